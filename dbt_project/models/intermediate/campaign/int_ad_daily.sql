{#-
    Every ad platform's ad days in one conformed shape (the marts read only this): one row per
    ad per day of the ad account, with delivery, spend in the account's currency, and
    conversions and their value with the attribution window they were counted in. Reach is
    unique people for that ad and day: never summed across ads or days.
-#}
with

unioned as (

    {{ union_platform_models('int_{platform}__ad_daily', family='ads', columns=[
        'platform', 'client_id', 'account_id', 'date_day', 'campaign_id', 'campaign_name',
        'adset_id', 'adset_name', 'ad_id', 'ad_name', 'currency', 'impressions', 'reach',
        'clicks', 'link_clicks', 'cast(spend as decimal(38, 6)) as spend', 'conversions', 'conversion_value', 'purchases',
        'leads', 'landing_page_views', 'add_to_carts', 'attribution_window', 'loaded_at',
    ]) }}

)

select * from unioned
