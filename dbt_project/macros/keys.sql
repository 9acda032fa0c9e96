{#-
    Surrogate keys: deterministic md5 of the parts joined with '|', so the same platform object
    always gets the same key in any run, full refresh or incremental (no sequence, no row
    number). `dbt.hash` is md5 on every adapter dbt supports.
-#}
{% macro surrogate_key(parts) -%}
    {%- set cast_parts = [] -%}
    {%- for part in parts -%}
        {%- do cast_parts.append("coalesce(cast(" ~ part ~ " as " ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(_ruche_join_parts(cast_parts))) }}
{%- endmacro %}

{% macro _ruche_join_parts(cast_parts) -%}
    {%- set out = [] -%}
    {%- for part in cast_parts -%}
        {%- if not loop.first -%}{%- do out.append("'|'") -%}{%- endif -%}
        {%- do out.append(part) -%}
    {%- endfor -%}
    {{- return(out) -}}
{%- endmacro %}


{#- sha-256 as lowercase hex. dbt has no cross-database macro for it. -#}
{% macro sha256(expression) -%}
    {{ return(adapter.dispatch('sha256', 'ruche')(expression)) }}
{%- endmacro %}

{% macro default__sha256(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro duckdb__sha256(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro postgres__sha256(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}


{#-
    The commenter's pseudonym: sha256(key | platform | author id). The key comes from
    RUCHE_AUTHOR_HASH_KEY, which `ruche transform` and the Airflow tasks set (ruche/keys.py);
    there is no default, so a build without a key fails instead of making pseudonyms anyone
    could reverse with a public key. Changing the key changes every author_key: run a full
    refresh afterwards.
-#}
{% macro author_key(platform, author_id) -%}
    {%- set key = env_var('RUCHE_AUTHOR_HASH_KEY') -%}
    case
        when {{ author_id }} is null then null
        else {{ sha256(dbt.concat(["'" ~ (key | replace("'", "''")) ~ "'", "'|'", platform, "'|'", author_id])) }}
    end
{%- endmacro %}
