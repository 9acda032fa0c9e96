{#-
    One row per Meta ad account seen in the raw data, in the shared account shape: its latest
    snapshot's name, currency and time zone (the account's days), and the last run date seen in
    its account snapshots or insight days.
    (macros/accounts.sql)
-#}
{{ ad_account_rows('meta_ads', 'stg_meta_ads__accounts', 'int_meta_ads__ad_daily') }}
