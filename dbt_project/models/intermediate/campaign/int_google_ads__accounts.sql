{#-
    One row per Google Ads account seen in the raw data, in the shared account shape: its latest
    customer snapshot's name, currency and time zone (`customer.time_zone`: the account's days),
    and the last run date seen in its snapshots or metric days.
    (macros/accounts.sql)
-#}
{{ ad_account_rows('google_ads', 'stg_google_ads__customers', 'int_google_ads__ad_daily') }}
