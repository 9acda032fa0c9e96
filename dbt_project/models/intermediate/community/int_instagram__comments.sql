{#-
    Instagram comments and replies in the shared comment shape: the nightly extract's, plus the
    comments Meta pushed by webhook (`stg_instagram__comment_events`) whose id the extract has
    not loaded yet (see `int_facebook__comments`: the extract's row replaces the event's in
    `int_comments` once it is loaded).
-#}
with

comments as (

    select * from {{ ref('stg_instagram__comments') }}

),

events as (

    select * from {{ ref('stg_instagram__comment_events') }}

),

media as (

    select
        media_id,
        loaded_at
    from {{ ref('stg_instagram__media') }}

),

extracted as (

    select
        'instagram' as platform,
        client_id,
        ig_user_id as account_id,
        media_id as post_id,
        comment_id,
        parent_comment_id,
        created_at,
        author_id,
        -- Instagram gives a username, no display name
        author_username as author_name,
        message,
        like_count,
        is_hidden,
        -- the IG professional account writing on its own media is the brand
        coalesce(author_id = ig_user_id, false) as is_brand_reply,
        -- Instagram gives comments no link of their own: the media's permalink is used instead
        cast(null as {{ dbt.type_string() }}) as permalink_url,
        loaded_at
    from comments

),

event_only as (

    {{ event_comments(
        'events', 'comments', 'media', 'media_id', 'ig_user_id', 'author_username',
        post_column='media_id'
    ) }}

),

final as (

    select * from extracted
    union all
    select
        'instagram' as platform,
        client_id,
        ig_user_id as account_id,
        media_id as post_id,
        comment_id,
        parent_comment_id,
        created_at,
        author_id,
        author_username as author_name,
        message,
        cast(null as bigint) as like_count,
        false as is_hidden,
        -- a reply of the account by webhook is the brand's answer too
        coalesce(author_id = ig_user_id, false) as is_brand_reply,
        cast(null as {{ dbt.type_string() }}) as permalink_url,
        loaded_at
    from event_only

)

select * from final
