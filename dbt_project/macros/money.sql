{#-
    Money stays exact: amounts are DECIMAL from the platform's string or micros to the published
    file, never DOUBLE (a float turns 0.1 + 0.2 into 0.30000000000000004 and loses cents past
    2^53 micros). The conformed money type holds micros exactly.
-#}

{#- the conformed type of a money amount (spend, conversion value), in any currency -#}
{% macro money_type() -%}
    decimal(38, 6)
{%- endmacro %}


{#-
    amount × to_rate ÷ from_rate as an exact decimal with `scale` decimals, rounded half away
    from zero: a currency conversion through EUR with the ECB's units per EUR (to ÷ from is
    the cross rate). DuckDB divides decimals as DOUBLE, so its version divides 128-bit
    integers of millionths. Operands: decimals with at most 6 decimals (money, ECB rates),
    `from_rate` positive; amounts up to about 10^14 at a rate of 20,000 per EUR.
-#}
{% macro exact_convert(amount, to_rate, from_rate, scale=6) -%}
    {{ return(adapter.dispatch('exact_convert', 'ruche')(amount, to_rate, from_rate, scale)) }}
{%- endmacro %}

{% macro default__exact_convert(amount, to_rate, from_rate, scale) -%}
    round(cast({{ amount }} as numeric(38, 6)) * cast({{ to_rate }} as numeric(38, 6)) / cast({{ from_rate }} as numeric(38, 6)), {{ scale }})
{%- endmacro %}

{% macro duckdb__exact_convert(amount, to_rate, from_rate, scale) -%}
    {%- set amount_units = "cast(cast(" ~ amount ~ " as decimal(38, 6)) * 1000000 as hugeint)" -%}
    {%- set to_units = "cast(cast(" ~ to_rate ~ " as decimal(38, 6)) * 1000000 as hugeint)" -%}
    {%- set from_units = "cast(cast(" ~ from_rate ~ " as decimal(38, 6)) * 1000000 as hugeint)" -%}
    {#- result × 10^scale = amount_units × to_units × 10^scale ÷ (from_units × 10^6) -#}
    {%- set numerator = amount_units ~ " * " ~ to_units ~ " * " ~ (10 ** scale) -%}
    {%- set denominator = from_units ~ " * 1000000" -%}
    (cast(
        sign({{ amount_units }})
        * ((abs({{ numerator }}) * 2 + {{ denominator }}) // ({{ denominator }} * 2))
        as decimal(38, 0)) * {{ '0.' ~ '0' * (scale - 1) ~ '1' }})
{%- endmacro %}
