{#-
    Posts a comment points at that the warehouse has not extracted yet: a comment Meta pushed by
    webhook on a post published since the last night. The comment is in the marts at once (the
    immediate alerts read it); its post reaches `dim_posts` with the next nightly extract, which
    empties this model. Meanwhile `permalink` is the post's link as the webhook gave it (Facebook
    Pages send the post with each comment change; Instagram does not: NULL). The comment marts'
    post tests (`post_known_or_pending`) allow these posts.
-#}
with

comments as (

    select
        client_id,
        platform,
        account_id,
        post_key,
        post_id,
        comment_id,
        created_at
    from {{ ref('int_comments') }}

),

posts as (

    select post_key from {{ ref('int_posts') }}

),

event_links as (

    {{ union_event_models(
        'stg_{platform}__comment_events',
        where='post_permalink_url is not null',
        columns='comment_id, post_permalink_url'
    ) }}

),

final as (

    select
        comments.post_key,
        any_value(comments.client_id) as client_id,
        any_value(comments.platform) as platform,
        any_value(comments.account_id) as account_id,
        any_value(comments.post_id) as post_id,
        any_value(event_links.post_permalink_url) as permalink,
        min(comments.created_at) as first_comment_at,
        count(distinct comments.comment_id) as comments
    from comments
    left join event_links
        on comments.platform = event_links.platform
        and comments.comment_id = event_links.comment_id
    where
        not exists (
            select 1 from posts
            where posts.post_key = comments.post_key
        )
    group by comments.post_key

)

select * from final
