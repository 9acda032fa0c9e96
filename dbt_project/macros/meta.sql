{#-
    Meta's own pieces (Graph API and Marketing API), under Meta names: shared layers never call
    them; only the facebook / instagram / meta_ads models do.
-#}

{#- a Graph API timestamp ("2026-11-22T01:46:47+0000", "2026-10-02T00:00:00-0700") → UTC instant -#}
{% macro graph_timestamp(text) -%}
    {{ parse_timestamp(text, '%Y-%m-%dT%H:%M:%S%z') }}
{%- endmacro %}


{#- the Graph insight item's `values` array, one row per value (`value_item`) -#}
{% macro graph_insight_values(record='record') -%}
    unnest(cast({{ record }} -> 'values' as json[]))
{%- endmacro %}


{#- a Meta ad account id as Ruche stores it: the `act_` prefix of Graph ids removed -#}
{% macro meta_account_id(id_expression) -%}
    replace({{ id_expression }}, 'act_', '')
{%- endmacro %}


{#- Meta budgets are in the currency's minor unit ("offset" 100), except currencies without one -#}
{% macro meta_currency_offset(currency) -%}
    case
        when {{ currency }} in ('CLP', 'COP', 'CRC', 'HUF', 'ISK', 'IDR', 'JPY', 'KRW', 'PYG', 'TWD', 'VND')
            then 1
        else 100
    end
{%- endmacro %}

{#- a Meta budget in minor units as an exact amount in major units (money_type): multiplied by
    the decimal 1 / offset, since DuckDB divides as DOUBLE -#}
{% macro meta_major_units(amount_minor, currency) -%}
    cast(
        cast({{ amount_minor }} as decimal(38, 0))
        * (case when {{ meta_currency_offset(currency) }} = 1 then 1.00 else 0.01 end)
        as {{ money_type() }}
    )
{%- endmacro %}


{#- The Meta Ads attribution window reported (var `meta_attribution_window`): its column and label -#}
{% macro meta_attribution_column() -%}
    {%- set window = var('meta_attribution_window') -%}
    {%- set columns = {
        'default': 'default_value',
        '1d_click': 'value_1d_click',
        '7d_click': 'value_7d_click',
        '28d_click': 'value_28d_click',
        '1d_view': 'value_1d_view',
    } -%}
    {%- if window not in columns -%}
        {{ exceptions.raise_compiler_error("var meta_attribution_window must be one of " ~ (columns.keys() | list) ~ ", got " ~ window) }}
    {%- endif -%}
    {{ return(columns[window]) }}
{%- endmacro %}

{% macro meta_attribution_label() -%}
    {%- set window = var('meta_attribution_window') -%}
    {{ return('7d_click_1d_view' if window == 'default' else window) }}
{%- endmacro %}
