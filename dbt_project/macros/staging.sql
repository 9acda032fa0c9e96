{#-
    Staging helpers over the loader's raw tables (DuckDB JSON access stays in staging).
-#}

{#- keep the latest extraction per `partition_by` (the loader already does per record key; this
    also guards the grain a model promises) -#}
{% macro latest_extraction(partition_by) -%}
    qualify row_number() over (
        partition by {{ partition_by }}
        order by _extracted_at desc, _loaded_at desc, _source_file desc
    ) = 1
{%- endmacro %}

{#- a JSON text field as a typed value; a missing field is a typed NULL -#}
{% macro json_text(path) -%}
    (record ->> '{{ path }}')
{%- endmacro %}

{% macro json_bigint(path) -%}
    {{ dbt.safe_cast("(record ->> '" ~ path ~ "')", dbt.type_bigint()) }}
{%- endmacro %}

{#- numbers sent as strings (the Graph API's "41.90"): decimals kept exact -#}
{% macro json_decimal(path, scale=6) -%}
    {{ dbt.safe_cast("(record ->> '" ~ path ~ "')", "decimal(38, " ~ scale ~ ")") }}
{%- endmacro %}

{#- the loader's lineage columns every staging model carries -#}
{% macro raw_lineage() -%}
        _extracted_at as extracted_at,
        _loaded_at as loaded_at,
        _run_id as run_id
{%- endmacro %}

{#- The days each extraction of an account asked for, from the loader's lineage columns (no
    JSON): one row per account, source, window and extraction. `sources` maps a source name
    (`content`, `account_metrics`, `ads`) to the relation (an import CTE) whose windows it
    records. -#}
{% macro extraction_windows(sources) -%}
    {%- for source_name, relation in sources.items() %}
    select distinct
        _client_id as client_id,
        _account_id as account_id,
        '{{ source_name }}' as source_name,
        _window_start as window_start,
        _window_end as window_end,
        _extracted_at as extracted_at,
        _loaded_at as loaded_at
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- When each comment of `platform` was last returned by an extraction: the loader's
    `comments__seen` joined to the comment's raw row for its id (`id_field`, the comment id's
    JSON field). The raw row keeps the extraction that first landed its current content, so it
    cannot say this by itself; rows loaded before the loader kept sightings fall back to that
    extraction. -#}
{% macro comment_sightings(platform, id_field='id') -%}
with

comments as (

    select * from {{ source('raw_' ~ platform, 'comments') }}

),

seen as (

    select * from {{ source('raw_' ~ platform, 'comments__seen') }}

),

final as (

    select
        {{ json_text(id_field) }} as comment_id,
        comments._account_id as account_id,
        comments._client_id as client_id,
        greatest(comments._extracted_at, coalesce(seen._seen_at, comments._extracted_at))
            as last_seen_at
    from comments
    left join seen
        on comments._key = seen._key

)

select * from final
{%- endmacro %}
