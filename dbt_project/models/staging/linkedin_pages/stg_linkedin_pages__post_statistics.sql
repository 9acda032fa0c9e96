{#- Lifetime share statistics per post and run date; a pure projection (see
    stg_facebook__post_insights). -#}
with

source as (

    select * from {{ source('raw_linkedin_pages', 'post_statistics') }}

),

final as (

    select
        _parent_id as post_id,
        _account_id as organization_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ dbt.safe_cast("(record -> 'totalShareStatistics' ->> 'impressionCount')", dbt.type_bigint()) }}
            as impression_count,
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
        {{ dbt.safe_cast("(record -> 'totalShareStatistics' ->> 'engagement')", dbt.type_float()) }}
            as engagement_rate,
        {{ raw_lineage() }}
    from source

)

select * from final
