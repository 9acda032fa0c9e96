{#- A pure projection (the loader keeps one row per post and run date): see stg_facebook__posts. -#}
with

source as (

    select * from {{ source('raw_linkedin_pages', 'posts') }}

),

final as (

    select
        {{ json_text('id') }} as post_id,
        _account_id as organization_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ json_text('author') }} as author_urn,
        {{ linkedin_epoch_ms("record ->> 'createdAt'") }} as created_at,
        {{ linkedin_epoch_ms("record ->> 'publishedAt'") }} as published_at,
        {{ linkedin_epoch_ms("record ->> 'lastModifiedAt'") }} as last_modified_at,
        {{ json_text('commentary') }} as commentary,
        {{ json_text('lifecycleState') }} as lifecycle_state,
        case
            when (record -> 'content' -> 'article') is not null then 'ARTICLE'
            when (record -> 'content' -> 'media' ->> 'id') like 'urn:li:video:%' then 'VIDEO'
            when (record -> 'content' -> 'media' ->> 'id') like 'urn:li:image:%' then 'IMAGE'
            when (record -> 'content' -> 'multiImage') is not null then 'MULTI_IMAGE'
            when (record -> 'content') is null then 'NONE'
            else 'OTHER'
        end as content_type,
        {{ raw_lineage() }}
    from source

)

select * from final
