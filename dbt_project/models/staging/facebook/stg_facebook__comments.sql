{#-
    No window over the history here: the loader keeps one row per comment (latest extraction
    wins), and a pure projection lets `int_comments`' incremental filter on `loaded_at` reach
    the raw table's scan, so a nightly build parses only the new rows' JSON.
-#}
with

source as (

    select * from {{ source('raw_facebook', 'comments') }}

),

final as (

    select
        -- Facebook comment ids are "<post part>_<comment part>"; unique across Pages
        {{ json_text('id') }} as comment_id,
        _parent_id as post_id,
        _account_id as page_id,
        _client_id as client_id,
        record -> 'parent' ->> 'id' as parent_comment_id,
        {{ graph_timestamp("record ->> 'created_time'") }} as created_at,
        record -> 'from' ->> 'id' as author_id,
        record -> 'from' ->> 'name' as author_name,
        {{ json_text('message') }} as message,
        {{ json_bigint('like_count') }} as like_count,
        {{ json_bigint('comment_count') }} as reply_count,
        coalesce(
            {{ dbt.safe_cast("(record ->> 'is_hidden')", dbt.type_boolean()) }}, false
        ) as is_hidden,
        {{ json_text('permalink_url') }} as permalink_url,
        {{ raw_lineage() }}
    from source

)

select * from final
