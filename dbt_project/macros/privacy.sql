{#-
    Commenter identities never reach the marts. `redact_names(text, identifiers)` rewrites a
    comment text so that:
      * every @mention becomes "@[user]";
      * every word equal (case- and accent-insensitively) to an identifier becomes "[name]".
    `identifiers` is a list of lowercase, accent-free tokens: the names, name parts, usernames,
    username parts and ids of the people who commented on the same post (see fct_comments).
    Naive by design: a commenter called "Rose" also redacts the flower on that post.
-#}
{% macro redact_names(text, identifiers) -%}
    {{ return(adapter.dispatch('redact_names', 'ruche')(text, identifiers)) }}
{%- endmacro %}

{% macro default__redact_names(text, identifiers) -%}
    {{ exceptions.raise_compiler_error("redact_names is implemented for DuckDB only; add a " ~ adapter.type() ~ "__redact_names macro") }}
{%- endmacro %}

{% macro duckdb__redact_names(text, identifiers) -%}
    array_to_string(
        list_transform(
            regexp_extract_all(
                regexp_replace({{ text }}, '@[\pL\pM\pN_.]+', '@[user]', 'g'),
                '[\pL\pM\pN_]+|[^\pL\pM\pN_]+'
            ),
            lambda part: case
                when list_contains(coalesce({{ identifiers }}, []), lower(strip_accents(part))) then '[name]'
                else part
            end
        ),
        ''
    )
{%- endmacro %}


{#- the identifier tokens of a person: the whole value, and its letter runs of 3+ characters -#}
{% macro identifier_tokens(value) -%}
    {{ return(adapter.dispatch('identifier_tokens', 'ruche')(value)) }}
{%- endmacro %}

{% macro duckdb__identifier_tokens(value) -%}
    list_filter(
        list_concat(
            [lower(strip_accents({{ value }}))],
            regexp_extract_all(lower(strip_accents({{ value }})), '[\pL\pN]+')
        ),
        lambda token: length(token) >= 3 and token not in ('the', 'les', 'des', 'and', 'mrs', 'mme')
    )
{%- endmacro %}


{#- words of a text for lexicon matching: lowercase, accents removed -#}
{% macro normalized_words(text) -%}
    regexp_extract_all(lower(strip_accents({{ text }})), '[\pL\pN]+')
{%- endmacro %}
