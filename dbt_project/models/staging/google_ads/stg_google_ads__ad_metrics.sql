{#-
    One row per ad per day of the account's time zone (the loader keeps one raw row per ad and
    day, the latest extraction winning). int64 values arrive as strings: counts become integers
    and `cost_micros` becomes an exact DECIMAL in the account currency (google_ads_micros);
    conversions arrive as JSON numbers and are read from their text as decimals.
-#}
with

source as (

    select * from {{ source('raw_google_ads', 'ad_metrics') }}

),

final as (

    select
        record -> 'adGroupAd' ->> 'resourceName' as ad_group_ad,
        record -> 'adGroupAd' -> 'ad' ->> 'id' as ad_id,
        _account_id as account_id,
        _client_id as client_id,
        {{ dbt.safe_cast("(record -> 'segments' ->> 'date')", 'date') }} as date_day,
        record -> 'campaign' ->> 'id' as campaign_id,
        record -> 'adGroup' ->> 'id' as ad_group_id,
        record -> 'customer' ->> 'currencyCode' as currency,
        coalesce(cast(record -> 'metrics' ->> 'impressions' as bigint), 0) as impressions,
        coalesce(cast(record -> 'metrics' ->> 'clicks' as bigint), 0) as clicks,
        cast(record -> 'metrics' ->> 'costMicros' as hugeint) as cost_micros,
        coalesce({{ google_ads_micros("record -> 'metrics' ->> 'costMicros'") }}, 0) as spend,
        coalesce(cast(record -> 'metrics' ->> 'conversions' as decimal(38, 6)), 0) as conversions,
        coalesce(cast(record -> 'metrics' ->> 'conversionsValue' as decimal(38, 6)), 0) as conversion_value,
        cast(record -> 'metrics' ->> 'allConversions' as decimal(38, 6)) as all_conversions,
        {{ raw_lineage() }}
    from source

)

select * from final
