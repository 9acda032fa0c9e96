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


{#- Meta budgets are in the currency's minor unit ("offset" 100), except currencies without one -#}
{% macro currency_offset(currency) -%}
    case
        when {{ currency }} in ('CLP', 'COP', 'CRC', 'HUF', 'ISK', 'IDR', 'JPY', 'KRW', 'PYG', 'TWD', 'VND')
            then 1
        else 100
    end
{%- endmacro %}


{#- The effective re-fetch window of an account: its own override, else its platform's var -#}
{% macro refetch_days(platform, account_override='null') -%}
    {%- set windows = var('refetch_days') -%}
    coalesce(
        {{ account_override }},
        case {{ platform }}
            {%- for name, days in windows.items() %}
            when '{{ name }}' then {{ days }}
            {%- endfor %}
        end,
        28
    )
{%- endmacro %}


{#- The Meta Ads attribution window reported (var `attribution_window`): its column and label -#}
{% macro attribution_column() -%}
    {%- set window = var('attribution_window') -%}
    {%- set columns = {
        'default': 'default_value',
        '1d_click': 'value_1d_click',
        '7d_click': 'value_7d_click',
        '28d_click': 'value_28d_click',
        '1d_view': 'value_1d_view',
    } -%}
    {%- if window not in columns -%}
        {{ exceptions.raise_compiler_error("var attribution_window must be one of " ~ (columns.keys() | list) ~ ", got " ~ window) }}
    {%- endif -%}
    {{ return(columns[window]) }}
{%- endmacro %}

{% macro attribution_label() -%}
    {%- set window = var('attribution_window') -%}
    {{ return('7d_click_1d_view' if window == 'default' else window) }}
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
