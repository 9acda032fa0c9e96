{#- Meta Ads pieces the shared singular tests call (union_platform_macros): raw rows parsed
    independently of staging. -#}

{#- spend, impressions and clicks per ad account and day, from the raw insight rows -#}
{% macro meta_ads__raw_ad_daily() -%}
    select
        'meta_ads' as platform,
        _account_id as account_id,
        cast(record ->> 'date_start' as date) as date_day,
        -- DECIMAL(38, 6) like every platform's: a union takes one decimal type for all
        sum(cast(record ->> 'spend' as decimal(38, 6))) as spend,
        sum(cast(record ->> 'impressions' as bigint)) as impressions,
        sum(cast(record ->> 'clicks' as bigint)) as clicks
    from {{ source('raw_meta_ads', 'ad_insights') }}
    group by 1, 2, 3
{%- endmacro %}
