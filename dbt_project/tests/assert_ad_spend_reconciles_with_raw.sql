{#-
    Spend, impressions and clicks per ad account per day in fct_ad_daily equal the raw insight
    rows of every ad platform (read straight from the source, parsed independently of staging,
    by each platform's `<platform>__raw_ad_daily` macro). Returns the days that differ.
-#}
with

raw_daily as (

    {{ union_platform_macros('raw_ad_daily', family='ads') }}

),

mart_daily as (

    select
        platform,
        account_id,
        date_day,
        sum(spend) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks
    from {{ ref('fct_ad_daily') }}
    group by 1, 2, 3

)

select
    coalesce(raw_daily.platform, mart_daily.platform) as platform,
    coalesce(raw_daily.account_id, mart_daily.account_id) as account_id,
    coalesce(raw_daily.date_day, mart_daily.date_day) as date_day,
    raw_daily.spend as raw_spend,
    mart_daily.spend as mart_spend,
    raw_daily.impressions as raw_impressions,
    mart_daily.impressions as mart_impressions,
    raw_daily.clicks as raw_clicks,
    mart_daily.clicks as mart_clicks
from raw_daily
full outer join mart_daily
    on raw_daily.platform = mart_daily.platform
    and raw_daily.account_id = mart_daily.account_id
    and raw_daily.date_day = mart_daily.date_day
where raw_daily.spend is distinct from mart_daily.spend
    or raw_daily.impressions is distinct from mart_daily.impressions
    or raw_daily.clicks is distinct from mart_daily.clicks
