{#-
    One row per campaign per ad-account day. Reach is left out on purpose: reach is unique
    people per ad and per day, so it cannot be summed across the campaign's ads (the campaign's
    own reach would need a campaign-level insights request).

    The attribution window is part of the grouping: conversions, CPA and ROAS of a row come
    from one stated window. Ads of one campaign-day counted in two windows would make two rows
    with the same key, and the key's unique test fails the build rather than mix them.
-#}
with

ad_daily as (

    select * from {{ ref('fct_ad_daily') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

campaign_daily as (

    select
        client_id,
        platform,
        account_id,
        campaign_key,
        campaign_id,
        date_day,
        attribution_window,
        max(date_timezone) as date_timezone,
        max(currency) as currency,
        max(reporting_currency) as reporting_currency,
        count(distinct ad_id) as ads_delivering,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(link_clicks) as link_clicks,
        sum(spend) as spend,
        sum(conversions) as conversions,
        sum(conversion_value) as conversion_value,
        sum(spend_reporting) as spend_reporting,
        sum(conversion_value_reporting) as conversion_value_reporting,
        min(fx_rate_date) as fx_rate_date,
        bool_or(is_fx_rate_carried) as is_fx_rate_carried,
        bool_or(is_fx_rate_provisional) as is_fx_rate_provisional,
        bool_and(is_final) as is_final
    from ad_daily
    group by 1, 2, 3, 4, 5, 6, 7

),

final as (

    select
        {{ surrogate_key(['campaign_daily.campaign_key', 'campaign_daily.date_day']) }} as campaign_daily_key,
        campaign_daily.client_id,
        campaign_daily.platform,
        campaign_daily.account_id,
        campaign_daily.campaign_key,
        campaign_daily.campaign_id,
        campaigns.campaign_name,
        campaigns.objective,
        campaign_daily.date_day,
        campaign_daily.date_timezone,
        campaign_daily.currency,
        campaign_daily.ads_delivering,
        -- sum() of BIGINT is HUGEINT in DuckDB, which ODBC/JDBC/Arrow drivers read badly
        cast(campaign_daily.impressions as {{ dbt.type_bigint() }}) as impressions,
        cast(campaign_daily.clicks as {{ dbt.type_bigint() }}) as clicks,
        cast(campaign_daily.link_clicks as {{ dbt.type_bigint() }}) as link_clicks,
        campaign_daily.spend,
        campaign_daily.conversions,
        campaign_daily.conversion_value,
        {{ safe_divide('campaign_daily.clicks', 'campaign_daily.impressions') }} as ctr,
        {{ safe_divide('campaign_daily.spend', 'campaign_daily.clicks') }} as cpc,
        {{ safe_divide('campaign_daily.spend * 1000', 'campaign_daily.impressions') }} as cpm,
        {{ safe_divide('campaign_daily.spend', 'campaign_daily.conversions') }} as cpa,
        {{ safe_divide('campaign_daily.conversion_value', 'campaign_daily.spend') }} as roas,
        campaign_daily.reporting_currency,
        campaign_daily.spend_reporting,
        campaign_daily.conversion_value_reporting,
        campaign_daily.fx_rate_date,
        campaign_daily.is_fx_rate_carried,
        campaign_daily.is_fx_rate_provisional,
        campaign_daily.attribution_window,
        campaign_daily.is_final
    from campaign_daily
    left join campaigns
        on campaign_daily.campaign_key = campaigns.campaign_key

)

select * from final
