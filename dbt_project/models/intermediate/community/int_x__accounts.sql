{#-
    One row per X account seen in the raw data, in the shared account shape: its latest
    snapshot's names and followers, and the last run date seen in any of its entities.
    (macros/accounts.sql)
-#}
{{ user_account_rows('x', 'stg_x__users', 'stg_x__posts', 'user_id') }}
