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


{#- minutes between two instants, to the millisecond (a double): counting second boundaries
    would add up to a second to platforms that time comments in milliseconds (LinkedIn) -#}
{% macro minutes_between(start_at, end_at) -%}
    ({{ dbt.datediff(start_at, end_at, 'millisecond') }} / 60000.0)
{%- endmacro %}


{#- a platform timestamp text in strptime `format` → the instant (timestamp with time zone);
    NULL when the text is missing or does not match. A format without %z reads UTC. -#}
{% macro parse_timestamp(text, format) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'ruche')(text, format)) }}
{%- endmacro %}

{% macro default__parse_timestamp(text, format) -%}
    cast({{ text }} as {{ dbt.type_timestamp() }} with time zone)
{%- endmacro %}

{% macro duckdb__parse_timestamp(text, format) -%}
    {%- if '%z' in format or '%Z' in format -%}
    try_strptime({{ text }}, '{{ format }}')
    {%- else -%}
    timezone('UTC', try_strptime({{ text }}, '{{ format }}'))
    {%- endif -%}
{%- endmacro %}


{#- the time zone a registered platform reports its days in (config.platforms, from the
    registry), as a SQL expression; for platforms whose day is the account's own, see
    int_accounts.reporting_timezone -#}
{% macro platform_reporting_timezone(platform) -%}
    (select reporting_day from {{ ref('stg_config__platforms') }} where platform = '{{ platform }}')
{%- endmacro %}
