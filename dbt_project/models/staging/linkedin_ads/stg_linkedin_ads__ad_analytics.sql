{#-
    One row per creative per UTC day (the loader keeps one raw element per creative and day,
    the latest extraction winning). Money arrives as decimal strings in the account's currency
    ("12.345678") and is cast to an exact DECIMAL, never a float; counts become integers.
    `externalWebsiteConversions` is post-click plus post-view conversions.
-#}
with

source as (

    select * from {{ source('raw_linkedin_ads', 'ad_analytics') }}

),

final as (

    select
        replace(record -> 'pivotValues' ->> 0, 'urn:li:sponsoredCreative:', '') as creative_id,
        _account_id as account_id,
        _client_id as client_id,
        make_date(
            cast(record -> 'dateRange' -> 'start' ->> 'year' as integer),
            cast(record -> 'dateRange' -> 'start' ->> 'month' as integer),
            cast(record -> 'dateRange' -> 'start' ->> 'day' as integer)
        ) as date_day,
        coalesce(cast(record ->> 'impressions' as bigint), 0) as impressions,
        coalesce(cast(record ->> 'clicks' as bigint), 0) as clicks,
        cast(record ->> 'landingPageClicks' as bigint) as landing_page_clicks,
        coalesce(cast(record ->> 'costInLocalCurrency' as decimal(38, 6)), 0) as spend,
        cast(record ->> 'costInUsd' as decimal(38, 6)) as spend_usd,
        coalesce(cast(record ->> 'externalWebsiteConversions' as decimal(38, 6)), 0) as conversions,
        cast(record ->> 'externalWebsitePostClickConversions' as decimal(38, 6)) as post_click_conversions,
        cast(record ->> 'externalWebsitePostViewConversions' as decimal(38, 6)) as post_view_conversions,
        coalesce(cast(record ->> 'conversionValueInLocalCurrency' as decimal(38, 6)), 0) as conversion_value,
        cast(record ->> 'oneClickLeads' as decimal(38, 6)) as leads,
        {{ raw_lineage() }}
    from source

)

select * from final
