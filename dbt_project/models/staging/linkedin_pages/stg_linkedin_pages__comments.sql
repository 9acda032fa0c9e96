{#- A pure projection (see stg_facebook__comments): int_comments' incremental filter on
    `loaded_at` reaches the raw scan. -#}
with

source as (

    select * from {{ source('raw_linkedin_pages', 'comments') }}

),

final as (

    select
        -- the composite URN urn:li:comment:(urn:li:activity:…,…), unique across LinkedIn
        {{ json_text('commentUrn') }} as comment_id,
        _parent_id as post_id,
        _account_id as organization_id,
        _client_id as client_id,
        {{ json_text('parentComment') }} as parent_comment_id,
        {{ linkedin_epoch_ms("record -> 'created' ->> 'time'") }} as created_at,
        {{ json_text('actor') }} as author_id,
        -- NULL when comment text is not stored (store_comment_text off)
        record -> 'message' ->> 'text' as message,
        {{ dbt.safe_cast("(record -> 'likesSummary' ->> 'totalLikes')", dbt.type_bigint()) }}
            as like_count,
        {{ raw_lineage() }}
    from source

)

select * from final
