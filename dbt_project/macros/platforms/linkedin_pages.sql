{#- LinkedIn Pages pieces the shared singular tests call (union_platform_macros): raw rows
    parsed independently of staging. -#}

{#- comments and replies per post, from the raw rows -#}
{% macro linkedin_pages__raw_comment_counts() -%}
    select 'linkedin_pages' as platform, _parent_id as post_id, count(*) as comments
    from {{ source('raw_linkedin_pages', 'comments') }}
    group by 1, 2
{%- endmacro %}

{#- every commenter (not the organization) of every post, from the raw rows: LinkedIn gives a
    person URN and no name -#}
{% macro linkedin_pages__raw_commenters() -%}
    select
        'linkedin_pages' as platform,
        _parent_id as post_id,
        record ->> 'actor' as author_id,
        cast(null as varchar) as author_name
    from {{ source('raw_linkedin_pages', 'comments') }}
    where (record ->> 'actor') is distinct from 'urn:li:organization:' || _account_id
{%- endmacro %}

{#- the post's lifetime like and comment counts per snapshot, from the raw statistics rows -#}
{% macro linkedin_pages__raw_post_counters() -%}
    select
        'linkedin_pages' as platform,
        _parent_id as post_id,
        _snapshot_date as snapshot_date,
        cast(record -> 'totalShareStatistics' ->> 'likeCount' as bigint) as reactions,
        cast(record -> 'totalShareStatistics' ->> 'commentCount' as bigint) as comments
    from {{ source('raw_linkedin_pages', 'post_statistics') }}
{%- endmacro %}
