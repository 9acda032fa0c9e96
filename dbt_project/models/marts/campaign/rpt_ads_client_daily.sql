{#-
    One row per client × day × attribution window: every ad platform's spend, conversions, CPA
    and ROAS of the client in its reporting currency, summed only over platforms whose
    conversions were counted in the same window. Platforms counting in different windows
    (e.g. 7-day click + 1-day view and 30-day click) give separate rows, and
    `windows_that_day` > 1 says that adding those rows mixes definitions of a conversion.
-#}
with

ad_daily as (

    select * from {{ ref('fct_ad_daily') }}

),

client_window_daily as (

    select
        client_id,
        date_day,
        attribution_window,
        max(reporting_currency) as reporting_currency,
        {{ dbt.listagg('distinct platform', "', '", "order by platform") }} as platforms,
        -- BIGINT: sum() of BIGINT is HUGEINT, which BI drivers read badly
        cast(sum(impressions) as {{ dbt.type_bigint() }}) as impressions,
        cast(sum(clicks) as {{ dbt.type_bigint() }}) as clicks,
        sum(spend_reporting) as spend_reporting,
        sum(conversions) as conversions,
        sum(conversion_value_reporting) as conversion_value_reporting,
        bool_or(is_fx_rate_carried) as is_fx_rate_carried,
        bool_and(is_final) as is_final
    from ad_daily
    group by 1, 2, 3

),

final as (

    select
        {{ surrogate_key(['client_id', 'date_day', 'attribution_window']) }} as client_ads_daily_key,
        client_id,
        date_day,
        attribution_window,
        platforms,
        count(*) over (partition by client_id, date_day) as windows_that_day,
        reporting_currency,
        impressions,
        clicks,
        spend_reporting,
        conversions,
        conversion_value_reporting,
        {{ safe_divide('spend_reporting', 'conversions') }} as cpa_reporting,
        {{ safe_divide('conversion_value_reporting', 'spend_reporting') }} as roas,
        is_fx_rate_carried,
        is_final
    from client_window_daily

)

select * from final
