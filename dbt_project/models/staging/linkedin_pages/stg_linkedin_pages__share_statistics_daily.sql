{#- The organization's share statistics per UTC day; overlapping windows repeat a day: the
    latest extraction wins. LinkedIn serves a day only once it is 2 days old, so every day
    landed is final (its restatements are re-read within the 7-day re-fetch window). -#}
with

source as (

    select * from {{ source('raw_linkedin_pages', 'share_statistics_daily') }}

),

final as (

    select
        _account_id as organization_id,
        _client_id as client_id,
        {{ linkedin_range_day() }} as date_day,
        {{ dbt.safe_cast("(record -> 'totalShareStatistics' ->> 'impressionCount')", dbt.type_bigint()) }}
            as impression_count,
        -- not returned for DAY intervals (NULL, never 0)
        {{ dbt.safe_cast("(record -> 'totalShareStatistics' ->> 'uniqueImpressionsCount')", dbt.type_bigint()) }}
            as unique_impressions_count,
        {{ dbt.safe_cast("(record -> 'totalShareStatistics' ->> 'clickCount')", dbt.type_bigint()) }}
            as click_count,
        {{ dbt.safe_cast("(record -> 'totalShareStatistics' ->> 'likeCount')", dbt.type_bigint()) }}
            as like_count,
        {{ dbt.safe_cast("(record -> 'totalShareStatistics' ->> 'commentCount')", dbt.type_bigint()) }}
            as comment_count,
        {{ dbt.safe_cast("(record -> 'totalShareStatistics' ->> 'shareCount')", dbt.type_bigint()) }}
            as share_count,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('_account_id, ' ~ linkedin_range_day()) }}

)

select * from final
