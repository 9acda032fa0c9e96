{#-
    Comment changes Meta pushed by webhook (Page `feed`, `item: comment`), landed by
    `ruche.events`: one row per comment and verb (`add`, `edited`, `remove`; the loader keeps
    the latest of each). A pure projection, like `stg_facebook__comments`, so `int_comments`'
    incremental filter on `loaded_at` reaches the raw table's scan. `ruche.events.meta` wrote
    the normalised fields (`comment_id`, `verb`, `post_id`, `parent_comment_id`: NULL for a
    top-level comment, whose Graph `parent_id` is the post; `event_time`, Graph format).
-#}
with

source as (

    select * from {{ source('raw_facebook', 'comment_events') }}

),

final as (

    select
        {{ json_text('comment_id') }} as comment_id,
        {{ json_text('post_id') }} as post_id,
        _account_id as page_id,
        _client_id as client_id,
        {{ json_text('parent_comment_id') }} as parent_comment_id,
        {{ json_text('verb') }} as verb,
        {{ graph_timestamp("record ->> 'event_time'") }} as created_at,
        record -> 'from' ->> 'id' as author_id,
        record -> 'from' ->> 'name' as author_name,
        {{ json_text('message') }} as message,
        -- the post's link: Meta sends the post with each comment change
        record -> 'post' ->> 'permalink_url' as post_permalink_url,
        {{ raw_lineage() }}
    from source

)

select * from final
