{#- Google Ads pieces: its money conversion (used by its own models) and the raw rows the shared
    singular tests call (union_platform_macros), parsed independently of staging. -#}

{#-
    Google money is an int64 of micros sent as a string ("39074310" = 39.074310 in the account
    currency). Converted exactly: integer division and remainder on a HUGEINT, each part a
    DECIMAL(38, 6). Never `/ 1000000` on a DECIMAL: DuckDB divides decimals as DOUBLE.
-#}
{% macro google_ads_micros(text) -%}
    cast(
        cast(cast({{ text }} as hugeint) // 1000000 as decimal(38, 6))
        + cast(cast({{ text }} as hugeint) % 1000000 as decimal(38, 6)) * 0.000001
        as decimal(38, 6)
    )
{%- endmacro %}

{#- the conversion window Google Ads counted conversions in, as the conformed layer states it -#}
{% macro google_ads_attribution_window() -%}
    {{ return(var('google_ads_conversion_window_days', 30) ~ 'd_click') }}
{%- endmacro %}

{#- spend, impressions and clicks per account and day, from the raw metric rows -#}
{% macro google_ads__raw_ad_daily() -%}
    select
        'google_ads' as platform,
        _account_id as account_id,
        cast(record -> 'segments' ->> 'date' as date) as date_day,
        sum({{ google_ads_micros("record -> 'metrics' ->> 'costMicros'") }}) as spend,
        sum(cast(record -> 'metrics' ->> 'impressions' as bigint)) as impressions,
        sum(cast(record -> 'metrics' ->> 'clicks' as bigint)) as clicks
    from {{ source('raw_google_ads', 'ad_metrics') }}
    group by 1, 2, 3
{%- endmacro %}
