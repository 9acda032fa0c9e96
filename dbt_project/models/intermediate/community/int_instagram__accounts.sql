{#-
    One row per Instagram account seen in the raw data, in the shared account shape: its latest
    snapshot's names and followers, and the last run date seen in any of its entities.
    (macros/accounts.sql)
-#}
{{ user_account_rows('instagram', 'stg_instagram__users', 'stg_instagram__media', 'ig_user_id') }}
