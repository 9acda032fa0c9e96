{#-
    Helpers that keep a nightly build's cost proportional to the new day, not to the history.
-#}

{#- The largest `column` already in `relation` (this incremental model by default), read before
    the build, as a quoted SQL literal, or none when the relation is empty or absent. A filter
    against a constant is pushed by DuckDB into the table scan: row groups entirely below it are
    skipped (their JSON is never parsed), which a filter against a subquery would not allow. -#}
{% macro watermark(column, relation=none) -%}
    {%- set relation = relation or this -%}
    {#- A relation not built yet has no watermark (compiling against an empty warehouse:
        sqlfluff's dbt templater in `make lint`). -#}
    {%- if not execute or load_relation(relation) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query(
        "select cast(max(" ~ column ~ ") as varchar) from " ~ relation
    ) -%}
    {%- set value = result.columns[0].values()[0] -%}
    {{ return(none if value is none else "'" ~ value ~ "'") }}
{%- endmacro %}

{#- `column > watermark` in an incremental build of a non-empty model, `true` otherwise. -#}
{% macro loaded_after_watermark(column, target_column=none) -%}
    {%- set mark = watermark(target_column or column) if is_incremental() else none -%}
    {%- if mark is none -%}
        true
    {%- else -%}
        {{ column }} > cast({{ mark }} as timestamp with time zone)
    {%- endif -%}
{%- endmacro %}
