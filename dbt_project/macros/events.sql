{#-
    A union over the platforms whose comments also arrive by webhook (var
    `ruche_event_platforms`, equal to the registry's `comment_events` entities: a test checks
    it), each row tagged with its `platform`. `pattern` names one model per platform, e.g.
    'stg_{platform}__comment_events'; `where` filters each branch.
-#}
{% macro union_event_models(pattern, where=none, columns='*') -%}
    {%- for platform in var('ruche_event_platforms') %}
    select '{{ platform }}' as platform, {{ columns }}
    from {{ ref(pattern | replace('{platform}', platform)) }}
    {%- if where %} where {{ where }}{% endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
