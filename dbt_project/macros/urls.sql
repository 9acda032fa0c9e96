{#-
    A landing URL's parts, for ads whose platform exposes the destination (int_ads
    `destination_url`): host (lowercase, without `www.`), path, and the UTM tags of its query
    (`utm_source`, `utm_medium`, `utm_campaign`, `utm_content`, `utm_term`), decoded (`+` is a
    space, `%xx` a byte). NULL when the URL or the part is absent. DuckDB functions.
-#}
{% macro url_host(url) -%}
    nullif(regexp_replace(lower(regexp_extract({{ url }}, '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#:]+)', 1)), '^www\.', ''), '')
{%- endmacro %}

{% macro url_path(url) -%}
    nullif(regexp_extract({{ url }}, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*(/[^?#]*)', 1), '')
{%- endmacro %}

{% macro url_query_parameter(url, name) -%}
    nullif(url_decode(replace(regexp_extract({{ url }}, '[?&]{{ name }}=([^&#]*)', 1), '+', ' ')), '')
{%- endmacro %}

{#- the columns of `url` as `<prefix>host`, `<prefix>path`, `utm_*` -#}
{% macro url_columns(url, prefix='destination_') -%}
    {{ url_host(url) }} as {{ prefix }}host,
    {{ url_path(url) }} as {{ prefix }}path,
    {%- for name in ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] %}
    {{ url_query_parameter(url, name) }} as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- `url` with `query` (parameters without a leading `?`) appended as the platform does when an
    ad is clicked: after `&` when the URL has a query already, else after `?`; `url` alone when
    `query` is NULL or empty, NULL when `url` is -#}
{% macro append_query(url, query) -%}
    case
        when {{ query }} is null or {{ query }} = '' then {{ url }}
        when {{ url }} like '%?%' then {{ url }} || '&' || {{ query }}
        else {{ url }} || '?' || {{ query }}
    end
{%- endmacro %}
