{{
    config(
        materialized='incremental',
        unique_key='comment_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    Every comment and reply, all platforms, with deterministic keys, the thread it belongs to and
    the commenter's keyed hash. Still holds the commenter's raw id and name: this model is for
    the marts' redaction step only and is never exposed (marts carry `author_key`).

    Threads: a top-level comment starts a thread; a reply belongs to its top-level comment.
    Facebook may report a reply to a reply with the reply as parent: the thread root is then
    the parent's parent (threads deeper than that are attached to the grandparent).

    A table, built incrementally: the raw JSON is parsed once per loaded comment. A nightly build
    reads only the comments loaded since the last build (`loaded_at` above the table's newest);
    their parents may come from earlier loads, so they are looked up in this table too.
-#}
with

-- every organic platform of the registry (config.platforms), never a hand-written list; only
-- the comments loaded since the last build (a constant filter, pushed into each scan)
new_comments as (

    {{ union_platform_models('int_{platform}__comments', family='organic', where=loaded_after_watermark('loaded_at')) }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

unioned as (

    select * from new_comments

),

parents as (

    select
        platform,
        comment_id,
        parent_comment_id
    from unioned
    {% if is_incremental() %}
    union all
    -- parents loaded by an earlier build, not reloaded now
    select platform, comment_id, parent_comment_id from {{ this }}
    where comment_id in (select parent_comment_id from unioned)
        and comment_id not in (select comment_id from unioned)
    {% endif %}

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
    left join parents as parent
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
