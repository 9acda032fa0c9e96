{#-
    When each X comment was last returned by an extraction: `comments__seen` (kept by
    the loader) joined to the comment's raw row for its id. The raw row keeps the extraction
    that first landed its current content, so it cannot say this by itself; rows loaded before
    the loader kept sightings fall back to that extraction.
-#}
with

comments as (

    select * from {{ source('raw_x', 'comments') }}

),

seen as (

    select * from {{ source('raw_x', 'comments__seen') }}

),

final as (

    select
        {{ json_text('id') }} as comment_id,
        comments._account_id as account_id,
        comments._client_id as client_id,
        greatest(comments._extracted_at, coalesce(seen._seen_at, comments._extracted_at))
            as last_seen_at
    from comments
    left join seen
        on comments._key = seen._key

)

select * from final
