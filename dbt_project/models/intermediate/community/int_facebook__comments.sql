{#-
    Facebook comments and replies in the shared comment shape: the nightly extract's, plus the
    comments Meta pushed by webhook (`stg_facebook__comment_events`) whose id the extract has not
    loaded yet. The extract is the source of truth: once it loads a comment, the event row
    leaves this model and `int_comments` (incremental, delete+insert on `comment_key`) takes the
    extract's row (its `loaded_at` is newer). An event comment has the latest text (`add` or
    `edited`), no counters and no permalink of its own until then; a removed one stays (it was
    received) and `int_deleted_comments` marks it.
-#}
with

comments as (

    select * from {{ ref('stg_facebook__comments') }}

),

events as (

    select * from {{ ref('stg_facebook__comment_events') }}

),

posts as (

    select
        post_id,
        loaded_at
    from {{ ref('stg_facebook__posts') }}

),

extracted as (

    select
        'facebook' as platform,
        client_id,
        page_id as account_id,
        post_id,
        comment_id,
        parent_comment_id,
        created_at,
        author_id,
        author_name,
        message,
        like_count,
        is_hidden,
        -- the Page writing on its own post is the brand
        coalesce(author_id = page_id, false) as is_brand_reply,
        -- the comment's own link (Graph `permalink_url`)
        permalink_url,
        loaded_at
    from comments

),

event_only as (

    {{ event_comments('events', 'comments', 'posts', 'post_id', 'page_id', 'author_name') }}

),

final as (

    select * from extracted
    union all
    select
        'facebook' as platform,
        client_id,
        page_id as account_id,
        post_id,
        comment_id,
        parent_comment_id,
        created_at,
        author_id,
        author_name,
        message,
        cast(null as bigint) as like_count,
        false as is_hidden,
        -- a Page reply by webhook is the brand's answer too
        coalesce(author_id = page_id, false) as is_brand_reply,
        cast(null as {{ dbt.type_string() }}) as permalink_url,
        loaded_at
    from event_only

)

select * from final
