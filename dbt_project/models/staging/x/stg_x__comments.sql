with

source as (

    select * from {{ source('raw_x', 'comments') }}

),

final as (

    select
        {{ json_text('id') }} as comment_id,
        _parent_id as post_id,
        _account_id as user_id,
        _client_id as client_id,
        -- the tweet this reply answers; NULL when it answers the conversation's post itself
        nullif(record -> 'referenced_tweets' -> 0 ->> 'id', _parent_id) as parent_comment_id,
        {{ x_timestamp("record ->> 'created_at'") }} as created_at,
        {{ json_text('author_id') }} as author_id,
        record -> '_ruche' -> 'author' ->> 'name' as author_name,
        record -> '_ruche' -> 'author' ->> 'username' as author_username,
        {{ json_text('text') }} as message,
        {{ x_metric('public_metrics', 'like_count') }} as like_count,
        {{ raw_lineage() }}
    from source

)

select * from final
