{#-
    Every comment and reply, all platforms, with deterministic keys, the thread it belongs to and
    the commenter's keyed hash. Still holds the commenter's raw id and name: this model is for
    the marts' redaction step only and is never exposed (marts carry `author_key`).

    Threads: a top-level comment starts a thread; a reply belongs to its top-level comment.
    Facebook may report a reply to a reply with the reply as parent: the thread root is then
    the parent's parent (threads deeper than that are attached to the grandparent).
-#}
with

facebook_comments as (

    select * from {{ ref('int_facebook__comments') }}

),

instagram_comments as (

    select * from {{ ref('int_instagram__comments') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

unioned as (

    select * from facebook_comments
    union all
    select * from instagram_comments

),

with_roots as (

    select
        child.*,
        case
            when child.parent_comment_id is null then child.comment_id
            when parent.parent_comment_id is null then child.parent_comment_id
            else parent.parent_comment_id
        end as thread_root_id
    from unioned as child
    left join unioned as parent
        on child.platform = parent.platform
        and child.parent_comment_id = parent.comment_id

),

final as (

    select
        {{ surrogate_key(['with_roots.platform', 'with_roots.comment_id']) }} as comment_key,
        {{ surrogate_key(['with_roots.platform', 'with_roots.post_id']) }} as post_key,
        case
            when with_roots.parent_comment_id is not null
                then {{ surrogate_key(['with_roots.platform', 'with_roots.parent_comment_id']) }}
        end as parent_comment_key,
        {{ surrogate_key(['with_roots.platform', 'with_roots.thread_root_id']) }} as thread_key,
        with_roots.client_id,
        with_roots.platform,
        with_roots.account_id,
        accounts.account_key,
        with_roots.post_id,
        with_roots.comment_id,
        with_roots.parent_comment_id,
        with_roots.parent_comment_id is null as is_top_level,
        with_roots.created_at,
        {{ author_key('with_roots.platform', 'with_roots.author_id') }} as author_key,
        with_roots.author_id,
        with_roots.author_name,
        with_roots.message,
        with_roots.like_count,
        with_roots.is_hidden,
        with_roots.is_brand_reply,
        accounts.client_timezone,
        with_roots.loaded_at
    from with_roots
    inner join accounts
        on with_roots.platform = accounts.platform
        and with_roots.account_id = accounts.account_id

)

select * from final
