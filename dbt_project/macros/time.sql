{#-
    Time zone conversions. Timestamps with time zone are instants (`_at` columns, UTC); local
    wall-clock times are timestamps without time zone. Every conversion names its zone, so
    nothing depends on the session's time zone.
-#}

{#- a local wall-clock timestamp (no zone) in `tz` → the instant (timestamp with time zone) -#}
{% macro local_to_utc(local_timestamp, tz) -%}
    {{ return(adapter.dispatch('local_to_utc', 'ruche')(local_timestamp, tz)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_timestamp, tz) -%}
    ({{ local_timestamp }} at time zone {{ tz }})
{%- endmacro %}

{% macro duckdb__local_to_utc(local_timestamp, tz) -%}
    timezone({{ tz }}, {{ local_timestamp }})
{%- endmacro %}

{% macro snowflake__local_to_utc(local_timestamp, tz) -%}
    convert_timezone({{ tz }}, 'UTC', {{ local_timestamp }})
{%- endmacro %}


{#- an instant → the wall-clock timestamp (no zone) it shows in `tz` -#}
{% macro utc_to_local(instant, tz) -%}
    {{ return(adapter.dispatch('utc_to_local', 'ruche')(instant, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local(instant, tz) -%}
    ({{ instant }} at time zone {{ tz }})
{%- endmacro %}

{% macro duckdb__utc_to_local(instant, tz) -%}
    timezone({{ tz }}, {{ instant }})
{%- endmacro %}

{% macro snowflake__utc_to_local(instant, tz) -%}
    convert_timezone('UTC', {{ tz }}, {{ instant }})
{%- endmacro %}


{#- the local date of an instant in `tz` -#}
{% macro local_date(instant, tz) -%}
    cast({{ utc_to_local(instant, tz) }} as date)
{%- endmacro %}


{#- minutes between two instants, with seconds precision (a double) -#}
{% macro minutes_between(start_at, end_at) -%}
    ({{ dbt.datediff(start_at, end_at, 'second') }} / 60.0)
{%- endmacro %}


{#- a Graph API timestamp ("2026-11-22T01:46:47+0000", "2026-10-02T00:00:00-0700") → UTC instant -#}
{% macro parse_graph_timestamp(text) -%}
    {{ return(adapter.dispatch('parse_graph_timestamp', 'ruche')(text)) }}
{%- endmacro %}

{% macro default__parse_graph_timestamp(text) -%}
    cast({{ text }} as {{ dbt.type_timestamp() }} with time zone)
{%- endmacro %}

{% macro duckdb__parse_graph_timestamp(text) -%}
    try_cast({{ text }} as timestamptz)
{%- endmacro %}
