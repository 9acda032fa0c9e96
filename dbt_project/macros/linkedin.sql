{#- LinkedIn-shaped pieces the LinkedIn platforms' staging shares: epoch-millisecond times. -#}

{#- an epoch-milliseconds JSON value as a timestamp with time zone (NULL when not a number) -#}
{% macro linkedin_epoch_ms(text) -%}
    make_timestamptz(try_cast({{ text }} as bigint) * 1000)
{%- endmacro %}

{#- the UTC day a `timeRange.start` opens -#}
{% macro linkedin_range_day(record='record') -%}
    cast(timezone('UTC', {{ linkedin_epoch_ms(record ~ " -> 'timeRange' ->> 'start'") }}) as date)
{%- endmacro %}
