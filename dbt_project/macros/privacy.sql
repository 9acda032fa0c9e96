{#-
    Commenter identities never reach the marts. fct_comments rewrites each comment text so that:
      * every @mention becomes "@[user]";
      * every word equal (case- and accent-insensitively) to an identifier becomes "[name]".
    The identifiers of a post are lowercase, accent-free tokens (`identifier_tokens`): the names,
    name parts, usernames, username parts and ids of the people who commented on it. The text is
    cut into parts (`text_parts`), each part's `identifier_form` is joined with the post's
    identifiers, and the parts are put back together in order.
    Naive by design: a commenter called "Rose" also redacts the flower on that post.
-#}

{#- a text, its @mentions replaced by "@[user]", as a list of {part_index, part}: runs of word
    characters and runs of other characters, which concatenated in order give the text back -#}
{% macro text_parts(text) -%}
    {{ return(adapter.dispatch('text_parts', 'ruche')(text)) }}
{%- endmacro %}

{% macro default__text_parts(text) -%}
    {{ exceptions.raise_compiler_error("text_parts is implemented for DuckDB only; add a " ~ adapter.type() ~ "__text_parts macro") }}
{%- endmacro %}

{% macro duckdb__text_parts(text) -%}
    list_transform(
        regexp_extract_all(
            regexp_replace({{ text }}, '@[\pL\pM\pN_.]+', '@[user]', 'g'),
            '[\pL\pM\pN_]+|[^\pL\pM\pN_]+'
        ),
        lambda part, part_index: {'part_index': part_index, 'part': part}
    )
{%- endmacro %}

{#- the form a text part is compared with identifiers in -#}
{% macro identifier_form(part) -%}
    lower(strip_accents({{ part }}))
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
