{#-
    One row per LinkedIn ad account seen in the raw data, in the shared account shape: its
    latest snapshot's name and currency, UTC as its days' time zone, and the last run date seen
    in its snapshots or ad days. (macros/accounts.sql)
-#}
{{ ad_account_rows('linkedin_ads', 'stg_linkedin_ads__ad_accounts', 'int_linkedin_ads__ad_daily') }}
