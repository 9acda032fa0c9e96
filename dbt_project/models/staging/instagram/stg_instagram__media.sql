{#-
    No window over the history here: the loader keeps one row per key (latest extraction wins),
    and a pure projection lets the incremental marts' constant filters on `snapshot_date` reach
    the raw table's scan.
-#}
with

source as (

    select * from {{ source('raw_instagram', 'media') }}

),

final as (

    select
        {{ json_text('id') }} as media_id,
        _account_id as ig_user_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ graph_timestamp("record ->> 'timestamp'") }} as created_at,
        {{ json_text('caption') }} as caption,
        {{ json_text('media_type') }} as media_type,
        {{ json_text('media_product_type') }} as media_product_type,
        {{ json_text('permalink') }} as permalink_url,
        {{ json_text('shortcode') }} as shortcode,
        -- lifetime counters on the node at extraction time
        {{ json_bigint('like_count') }} as like_count,
        -- every visible comment, replies included
        {{ json_bigint('comments_count') }} as comments_count,
        {{ raw_lineage() }}
    from source

)

select * from final
