{#- LinkedIn Ads pieces: the attribution window its conversions are stated in (used by its own
    models) and the raw rows the shared singular tests call (union_platform_macros), parsed
    independently of staging. -#}

{#- the windows `externalWebsiteConversions` were counted in (post-click + post-view, LinkedIn's
    defaults), as the conformed layer states them -#}
{% macro linkedin_ads_attribution_window() -%}
    {{ return(var('linkedin_ads_attribution_window', '30d_click_7d_view')) }}
{%- endmacro %}

{#- spend, impressions and clicks per account and UTC day, from the raw adAnalytics elements -#}
{% macro linkedin_ads__raw_ad_daily() -%}
    select
        'linkedin_ads' as platform,
        _account_id as account_id,
        make_date(
            cast(record -> 'dateRange' -> 'start' ->> 'year' as integer),
            cast(record -> 'dateRange' -> 'start' ->> 'month' as integer),
            cast(record -> 'dateRange' -> 'start' ->> 'day' as integer)
        ) as date_day,
        sum(cast(record ->> 'costInLocalCurrency' as decimal(38, 6))) as spend,
        sum(cast(record ->> 'impressions' as bigint)) as impressions,
        sum(cast(record ->> 'clicks' as bigint)) as clicks
    from {{ source('raw_linkedin_ads', 'ad_analytics') }}
    group by 1, 2, 3
{%- endmacro %}
