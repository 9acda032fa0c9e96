{#- Instagram pieces the shared singular tests call (union_platform_macros): raw rows parsed
    independently of staging. -#}

{#- comments per media, from the raw rows -#}
{% macro instagram__raw_comment_counts() -%}
    select 'instagram' as platform, post_id, count(*) as comments
    from (
        select _parent_id as post_id from {{ source('raw_instagram', 'comments') }}
        union all
        -- comments pushed by webhook that the extract has not loaded yet
        select post_id from ({{ meta_raw_event_comments('instagram') }}) as pushed
    ) as comments
    group by 1, 2
{%- endmacro %}

{#- every commenter (not the account) of every media, from the raw rows -#}
{% macro instagram__raw_commenters() -%}
    select
        'instagram' as platform,
        _parent_id as post_id,
        record -> 'from' ->> 'id' as author_id,
        record -> 'from' ->> 'username' as author_name
    from {{ source('raw_instagram', 'comments') }}
    where (record -> 'from' ->> 'id') is distinct from _account_id
    union all
    -- commenters of the comments pushed by webhook
    select
        'instagram' as platform,
        record ->> 'post_id' as post_id,
        record -> 'from' ->> 'id' as author_id,
        record -> 'from' ->> 'username' as author_name
    from {{ source('raw_instagram', 'comment_events') }}
    where (record -> 'from' ->> 'id') is distinct from _account_id
{%- endmacro %}

{#- the media node's like and comment counters per snapshot, from the raw rows -#}
{% macro instagram__raw_post_counters() -%}
    select
        'instagram' as platform,
        record ->> 'id' as post_id,
        _snapshot_date as snapshot_date,
        cast(record ->> 'like_count' as bigint) as reactions,
        cast(record ->> 'comments_count' as bigint) as comments
    from {{ source('raw_instagram', 'media') }}
{%- endmacro %}
