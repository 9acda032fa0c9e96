{#-
    The platforms a model spans, and the unions over them, generated instead of hand-written
    (as Fivetran's `get_enabled_packages` + `union_ctes` do).

    Which platforms exist is data: `config.platforms`, written from Ruche's platform registry
    (`ruche/platforms/`) by `ruche.configdb.write_config` before every build. dbt however
    resolves `ref()`s while parsing, before any data can be read, so the parse needs the
    platforms the project has models for: var `ruche_platform_models` (platform → family), the
    one place a new platform's dbt models are announced. At execution, the platforms of
    `config.platforms` are used, in registry order; one that is registered but has no models
    here is a compile error naming the var to extend.
-#}

{#- the platform names of `family` (organic | ads | none = all), in registry order -#}
{% macro ruche_platforms(family=none) -%}
    {%- set declared = var('ruche_platform_models') -%}
    {%- set registered = source('config', 'platforms') -%}
    {#- Parsing, or compiling against a warehouse without the config tables (sqlfluff's dbt
        templater on an empty DuckDB: `make lint`): the declared platforms. A build cannot get
        here without them: its staging models read the same `config` source. -#}
    {%- if not execute or load_relation(registered) is none -%}
        {{ return(_ruche_declared_platforms(declared, family)) }}
    {%- endif -%}
    {%- set result = run_query(
        "select platform, family from " ~ registered ~ " order by platform_order"
    ) -%}
    {%- set out = [] -%}
    {%- for row in result.rows -%}
        {%- if row[0] not in declared -%}
            {{ exceptions.raise_compiler_error(
                "platform '" ~ row[0] ~ "' is registered (config.platforms) but the dbt project has "
                ~ "no models for it: add its int_" ~ row[0] ~ "__* models and `" ~ row[0] ~ ": "
                ~ row[1] ~ "` to var ruche_platform_models in dbt_project/dbt_project.yml"
            ) }}
        {%- endif -%}
        {%- if family is none or row[1] == family -%}
            {%- do out.append(row[0]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{% macro _ruche_declared_platforms(declared, family) -%}
    {%- set out = [] -%}
    {%- for name, platform_family in declared.items() -%}
        {%- if family is none or platform_family == family -%}
            {%- do out.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}


{#-
    `select * from <model of each platform> union all …` for the platforms of `family`: the
    model name is `pattern` with `{platform}` replaced (`int_{platform}__posts`). Every branch
    has the same conformed columns in the same order (the per-platform models promise it; a
    `union all by name` would hide a drifted column). `where` filters every branch (a constant
    filter is pushed into each scan). `add_platform` puts a first column `platform` on models
    that have none (staging). `columns` selects the conformed columns by name (a platform's
    model may carry more of its own). `optional_columns` (name → SQL type) follow them: a
    platform whose model lacks one gets a typed NULL (a platform that does not expose, say, the
    promoted post), as Fivetran's `fill_staging_columns` does. With no platform of the family,
    an empty result typed like the first declared one.
-#}
{% macro union_platform_models(pattern, family=none, where=none, add_platform=false, columns=none, optional_columns=none) -%}
    {%- set selected = ruche_platforms(family) -%}
    {%- set declared = _ruche_declared_platforms(var('ruche_platform_models'), family) -%}
    {%- set projection = '*' if columns is none else columns | join(', ') -%}
    {%- set optional = optional_columns or {} -%}
    {%- if not execute -%}
        {#- parse: register every model the execution may read -#}
        {%- for platform in declared %}
    select * from {{ ref(pattern | replace('{platform}', platform)) }}
    {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    {%- elif selected | length == 0 %}
    select {% if add_platform %}cast(null as {{ dbt.type_string() }}) as platform, {% endif %}{{ projection }}{{ _ruche_optional_projection(ref(pattern | replace('{platform}', declared[0])), optional) }} from {{ ref(pattern | replace('{platform}', declared[0])) }} where false
    {%- else -%}
        {%- for platform in selected %}
    select {% if add_platform %}'{{ platform }}' as platform, {% endif %}{{ projection }}{{ _ruche_optional_projection(ref(pattern | replace('{platform}', platform)), optional) }} from {{ ref(pattern | replace('{platform}', platform)) }}
    {%- if where %} where {{ where }}{% endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
        {%- endfor %}
    {%- endif %}
{%- endmacro %}


{#- `, <column>` or `, cast(null as <type>) as <column>` for each optional column, as `relation` has it -#}
{% macro _ruche_optional_projection(relation, optional) -%}
    {%- if optional | length == 0 -%}{{ return('') }}{%- endif -%}
    {%- set existing = load_relation(relation) -%}
    {%- set names = [] -%}
    {%- if existing is not none -%}
        {%- for column in adapter.get_columns_in_relation(existing) -%}
            {%- do names.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set out = [] -%}
    {%- for name, type in optional.items() -%}
        {%- do out.append(name if name in names else 'cast(null as ' ~ type ~ ') as ' ~ name) -%}
    {%- endfor -%}
    {{ return(', ' ~ (out | join(', '))) }}
{%- endmacro %}


{#- (platform, entity) of the organic platforms' post snapshots: the snapshot entities that
    posts' children hang from, or that hang from a snapshot parent (posts and their lifetime
    insights; the account node is not one). From config.platform_entities; execution only. -#}
{% macro post_snapshot_entities() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set organic = ruche_platforms('organic') -%}
    {%- set result = run_query(
        "select entities.platform, entities.entity from " ~ source('config', 'platform_entities')
        ~ " as entities where entities.is_snapshot and (entities.parent_entity is not null"
        ~ " or exists (select 1 from " ~ source('config', 'platform_entities') ~ " as children"
        ~ " where children.platform = entities.platform and children.parent_entity = entities.entity))"
        ~ " order by entities.platform, entities.entity"
    ) -%}
    {%- set out = [] -%}
    {%- for row in result.rows if row[0] in organic -%}
        {%- do out.append((row[0], row[1])) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}


{#- `<platform>__<name>()` of every platform of `family`, joined by `union all` (singular tests
    reading raw tables the platform's own way: each platform defines its macro in
    macros/platforms/<platform>.sql). -#}
{% macro union_platform_macros(name, family=none) -%}
    {%- for platform in ruche_platforms(family) %}
    {{ context[platform ~ '__' ~ name]() }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
