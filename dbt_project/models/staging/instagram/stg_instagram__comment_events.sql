{#-
    Comments Meta pushed by webhook (Instagram `comments` field: new comments only, so every
    verb is `add`), landed by `ruche.events`: one row per comment and verb. A pure projection,
    like `stg_instagram__comments`, so `int_comments`' incremental filter on `loaded_at`
    reaches the raw table's scan. `parent_comment_id` is set on replies only; `created_at` is
    the entry's time (Instagram's value carries none).
-#}
with

source as (

    select * from {{ source('raw_instagram', 'comment_events') }}

),

final as (

    select
        {{ json_text('comment_id') }} as comment_id,
        {{ json_text('post_id') }} as media_id,
        _account_id as ig_user_id,
        _client_id as client_id,
        {{ json_text('parent_comment_id') }} as parent_comment_id,
        {{ json_text('verb') }} as verb,
        {{ graph_timestamp("record ->> 'event_time'") }} as created_at,
        record -> 'from' ->> 'id' as author_id,
        record -> 'from' ->> 'username' as author_username,
        {{ json_text('text') }} as message,
        -- Instagram's `comments` change names the media (id, product type), not its link
        cast(null as {{ dbt.type_string() }}) as post_permalink_url,
        {{ raw_lineage() }}
    from source

)

select * from final
