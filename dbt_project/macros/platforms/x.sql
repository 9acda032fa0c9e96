{#- X's own pieces: the X models call them, and the shared singular tests call the `x__raw_*`
    ones (union_platform_macros): raw rows parsed independently of staging. -#}

{#- an X timestamp ("2026-11-02T14:05:33.000Z", always UTC) → UTC instant -#}
{% macro x_timestamp(text) -%}
    {{ parse_timestamp(text, '%Y-%m-%dT%H:%M:%S.%fZ') }}
{%- endmacro %}

{#- one counter of a metrics object (`public_metrics`, `non_public_metrics`…); NULL when X
    left the object out (private metrics of posts older than 30 days) -#}
{% macro x_metric(group, name) -%}
    {{ dbt.safe_cast("(record -> '" ~ group ~ "' ->> '" ~ name ~ "')", dbt.type_bigint()) }}
{%- endmacro %}

{#- recent search's reach in days (ruche.platforms.x.REPLY_SEARCH_DAYS): replies older than
    this at extraction time cannot be read -#}
{% macro x_reply_search_days() -%}
    7
{%- endmacro %}

{#- replies per post, from the raw rows -#}
{% macro x__raw_comment_counts() -%}
    select 'x' as platform, _parent_id as post_id, count(*) as comments
    from {{ source('raw_x', 'comments') }}
    group by 1, 2
{%- endmacro %}

{#- every replier (not the account) of every post, from the raw rows -#}
{% macro x__raw_commenters() -%}
    select
        'x' as platform,
        _parent_id as post_id,
        record ->> 'author_id' as author_id,
        record -> '_ruche' -> 'author' ->> 'name' as author_name
    from {{ source('raw_x', 'comments') }}
    where (record ->> 'author_id') is distinct from _account_id
{%- endmacro %}

{#- the post's like and reply counters per snapshot, from the raw rows -#}
{% macro x__raw_post_counters() -%}
    select
        'x' as platform,
        record ->> 'id' as post_id,
        _snapshot_date as snapshot_date,
        cast(record -> 'public_metrics' ->> 'like_count' as bigint) as reactions,
        cast(record -> 'public_metrics' ->> 'reply_count' as bigint) as comments
    from {{ source('raw_x', 'posts') }}
{%- endmacro %}
