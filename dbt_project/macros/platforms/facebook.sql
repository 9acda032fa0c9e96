{#- Facebook Pages pieces the shared singular tests call (union_platform_macros): raw rows
    parsed independently of staging. -#}

{#- comments per post, from the raw rows -#}
{% macro facebook__raw_comment_counts() -%}
    select 'facebook' as platform, post_id, count(*) as comments
    from (
        select _parent_id as post_id from {{ source('raw_facebook', 'comments') }}
        union all
        -- comments pushed by webhook that the extract has not loaded yet
        select post_id from ({{ meta_raw_event_comments('facebook') }}) as pushed
    ) as comments
    group by 1, 2
{%- endmacro %}

{#- every commenter (not the Page) of every post, from the raw rows -#}
{% macro facebook__raw_commenters() -%}
    select
        'facebook' as platform,
        _parent_id as post_id,
        record -> 'from' ->> 'id' as author_id,
        record -> 'from' ->> 'name' as author_name
    from {{ source('raw_facebook', 'comments') }}
    where (record -> 'from' ->> 'id') is distinct from _account_id
    union all
    -- commenters of the comments pushed by webhook
    select
        'facebook' as platform,
        record ->> 'post_id' as post_id,
        record -> 'from' ->> 'id' as author_id,
        record -> 'from' ->> 'name' as author_name
    from {{ source('raw_facebook', 'comment_events') }}
    where (record -> 'from' ->> 'id') is distinct from _account_id
{%- endmacro %}

{#- the post node's reactions and comments counters per snapshot, from the raw rows -#}
{% macro facebook__raw_post_counters() -%}
    select
        'facebook' as platform,
        record ->> 'id' as post_id,
        _snapshot_date as snapshot_date,
        cast(record -> 'reactions' -> 'summary' ->> 'total_count' as bigint) as reactions,
        cast(record -> 'comments' -> 'summary' ->> 'total_count' as bigint) as comments
    from {{ source('raw_facebook', 'posts') }}
{%- endmacro %}
