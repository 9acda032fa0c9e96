{#-
    Commenter identities never reach the marts. fct_comments rewrites each comment text so that:
      * every @mention becomes "@[user]";
      * every word equal (case- and accent-insensitively) to an identifier becomes "[name]".
    The identifiers of a post are lowercase, accent-free tokens (`identifier_tokens`) of the
    people who commented on it: each name or username whole, its name parts (the letter runs of
    3 letters or more: `aisha1989` gives `aisha`, `the.ines.m` gives `ines`, `Rémi D'Amours` gives
    `remi` and `amours`) and the commenter's id. Ordinary words of the agency's languages
    (seed `ordinary_words`: `love`, `merci`, `the`) are never identifiers, so a handle such as
    `love.coffee.mtl` does not redact "love" from every comment on the post.
    The text is cut into parts (`text_parts`): letter runs, digit runs and the rest, so that a
    name typed next to digits or underscores (`Aisha_22`) is still a word of its own. Each
    part's `identifier_form` is joined with the post's identifiers, and the parts are put back
    together in order.
    Naive by design: a commenter called "Rose" also redacts the flower on that post.
-#}

{#- a text, its @mentions replaced by "@[user]", as a list of {part_index, part}: runs of letters,
    runs of digits and runs of other characters, which concatenated in order give the text back -#}
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
            '[\pL\pM]+|\pN+|[^\pL\pM\pN]+'
        ),
        lambda part, part_index: {'part_index': part_index, 'part': part}
    )
{%- endmacro %}

{#- the form a text part is compared with identifiers in -#}
{% macro identifier_form(part) -%}
    lower(strip_accents({{ part }}))
{%- endmacro %}


{#- the identifier tokens of a person: the whole value, and its name parts (letter runs of 3+
    letters, split on digits, dots, underscores, spaces and apostrophes, accents removed);
    ordinary words are removed by the caller (seed `ordinary_words`) -#}
{% macro identifier_tokens(value) -%}
    {{ return(adapter.dispatch('identifier_tokens', 'ruche')(value)) }}
{%- endmacro %}

{% macro duckdb__identifier_tokens(value) -%}
    list_filter(
        list_concat(
            [lower(strip_accents({{ value }}))],
            regexp_extract_all(lower(strip_accents({{ value }})), '[\pL\pM]+')
        ),
        lambda token: length(token) >= 3
    )
{%- endmacro %}


{#- words of a text for lexicon matching: lowercase, accents removed -#}
{% macro normalized_words(text) -%}
    regexp_extract_all(lower(strip_accents({{ text }})), '[\pL\pN]+')
{%- endmacro %}
