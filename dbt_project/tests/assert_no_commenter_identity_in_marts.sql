{#-
    No comment text in the marts contains the name, username or id of a person who commented
    on the same post (read from the raw tables), and no author_key equals a raw author id.

    Every comment is compared with every commenter of its post, so on a nightly build only the
    comments extracted within the re-fetch window (plus a week) are checked; a `--full-refresh`
    build, or `--vars '{full_history_tests: true}'`, checks the whole history.
-#}
with

raw_authors as (

    select
        'facebook' as platform,
        _parent_id as post_id,
        record -> 'from' ->> 'id' as author_id,
        record -> 'from' ->> 'name' as author_name
    from {{ source('raw_facebook', 'comments') }}
    where {{ recent_rows('_snapshot_date', source('raw_facebook', 'comments'), 35) }}
        and (record -> 'from' ->> 'id') is distinct from _account_id
    union all
    select
        'instagram' as platform,
        _parent_id as post_id,
        record -> 'from' ->> 'id' as author_id,
        record -> 'from' ->> 'username' as author_name
    from {{ source('raw_instagram', 'comments') }}
    where {{ recent_rows('_snapshot_date', source('raw_instagram', 'comments'), 35) }}
        and (record -> 'from' ->> 'id') is distinct from _account_id

),

mart_texts as (

    select
        posts.platform,
        posts.post_id,
        comments.comment_key,
        comments.author_key,
        lower(comments.text) as text
    from {{ ref('fct_comments') }} as comments
    inner join {{ ref('dim_posts') }} as posts
        on comments.post_key = posts.post_key

)

select
    mart_texts.comment_key,
    mart_texts.text
from mart_texts
inner join raw_authors
    on mart_texts.platform = raw_authors.platform
    and mart_texts.post_id = raw_authors.post_id
where contains(mart_texts.text, lower(raw_authors.author_name))
    or contains(mart_texts.text, raw_authors.author_id)
    or mart_texts.author_key = raw_authors.author_id
