{#-
    Fail the build when an ad day needs an exchange rate that does not exist: one message
    naming each currency and its days without a rate, and what to do. Called by the model that
    converts (fct_ad_daily) once its inputs are built; `rates` is int_ad_fx_rates. A
    converted amount is never made up (no rate of 1, no silent NULL).
-#}
{% macro assert_fx_rates_available(rates) -%}
    {%- if not execute or load_relation(rates) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set result = run_query(
        "select coalesce(currency, '(unknown: the ad rows carry no currency)'), min(date_day), "
        ~ "max(date_day), count(*), max(rate_date), max(carried_days) from " ~ rates
        ~ " where units_per_eur is null group by 1 order by 1"
    ) -%}
    {%- if result.rows | length > 0 -%}
        {%- set parts = [] -%}
        {%- for row in result.rows -%}
            {%- set last_rate = (", newest ECB rate " ~ row[4] ~ " is " ~ row[5] ~ " days older than the last day")
                if row[4] is not none else ", no ECB rate on or before those days" -%}
            {%- do parts.append(row[0] ~ " on " ~ row[3] ~ " day(s) from " ~ row[1] ~ " to " ~ row[2] ~ last_rate) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "no exchange rate for " ~ (parts | join('; ')) ~ ". Spend is never converted at 1: "
            ~ "merge a newer ECB file with `ruche fx update eurofxref-hist.zip` (from "
            ~ "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip), or accept older rates "
            ~ "(flagged is_fx_rate_carried) by raising RUCHE_FX_MAX_CARRY_DAYS (now "
            ~ var('fx_max_carry_days') ~ "); a currency the ECB does not publish cannot be converted"
        ) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
