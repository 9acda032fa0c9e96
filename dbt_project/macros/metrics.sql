{#- n / d, NULL when d is 0 or NULL (a rate over nothing is unknown, not 0 and not an error) -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }}) / nullif(cast({{ denominator }} as {{ type_double() }}), 0))
{%- endmacro %}


{#- continuous percentile of `expression` (p in 0..1) as an aggregate -#}
{% macro percentile(expression, p) -%}
    {{ return(adapter.dispatch('percentile', 'ruche')(expression, p)) }}
{%- endmacro %}

{% macro default__percentile(expression, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile(expression, p) -%}
    quantile_cont({{ expression }}, {{ p }})
{%- endmacro %}


{#- a 64-bit float (dbt.type_float() is a 32-bit FLOAT on DuckDB) -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'ruche')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}
