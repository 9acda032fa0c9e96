{#-
    No window over the history here: the loader keeps one row per comment (latest extraction
    wins), and a pure projection lets `int_comments`' incremental filter on `loaded_at` reach
    the raw table's scan, so a nightly build parses only the new rows' JSON.
-#}
with

source as (

    select * from {{ source('raw_instagram', 'comments') }}

),

final as (

    select
        {{ json_text('id') }} as comment_id,
        _parent_id as media_id,
        _account_id as ig_user_id,
        _client_id as client_id,
        -- replies carry the top-level comment's id; Instagram threads are one level deep
        {{ json_text('parent_id') }} as parent_comment_id,
        {{ graph_timestamp("record ->> 'timestamp'") }} as created_at,
        coalesce(record -> 'from' ->> 'id', record -> 'user' ->> 'id') as author_id,
        coalesce(record -> 'from' ->> 'username', record ->> 'username') as author_username,
        {{ json_text('text') }} as message,
        {{ json_bigint('like_count') }} as like_count,
        coalesce(
            {{ dbt.safe_cast("(record ->> 'hidden')", dbt.type_boolean()) }}, false
        ) as is_hidden,
        {{ raw_lineage() }}
    from source

)

select * from final
