{#-
    No comment text in the marts contains the name, username or id of a person who commented
    on the same post, nor a name part taken from one (a letter run of 4 letters or more, accents
    removed, that is not an ordinary word: `aisha1989` → `aisha`) as a word of its own, and no
    author_key equals a raw author id.

    Every comment is compared with every commenter of its post. A `--full-refresh` build, or
    `--vars '{full_history_tests: true}'`, checks the whole history with the commenters read
    straight from the raw tables. A nightly build checks the posts with a comment written in the
    35 days before the newest one (the re-fetch window plus a week), with the commenters from
    `int_comments` (already parsed), so its cost does not grow with the history.
-#}
-- depends_on: {{ ref('int_comments') }}
-- depends_on: {{ ref('ordinary_words') }}
{%- set full = flags.FULL_REFRESH or var('full_history_tests', false) %}
{%- set newest = none if full else watermark('created_at', ref('fct_comments')) %}

with

{% if newest is none %}

raw_authors as (

    {{ union_platform_macros('raw_commenters', family='organic') }}

),

{% else %}

recent_posts as (

    select distinct post_key
    from {{ ref('fct_comments') }}
    where created_at >= cast({{ newest }} as timestamp with time zone) - interval 35 day

),

raw_authors as (

    select
        platform,
        post_id,
        author_id,
        author_name
    from {{ ref('int_comments') }}
    where not is_brand_reply
        and post_key in (select post_key from recent_posts)

),

{% endif %}

known_posts as (

    select
        post_key,
        platform,
        post_id
    from {{ ref('dim_posts') }}
    union all
    -- posts of webhook comments that the next night extracts
    select
        post_key,
        platform,
        post_id
    from {{ ref('int_comment_posts_pending') }}

),

mart_texts as (

    select
        posts.platform,
        posts.post_id,
        comments.comment_key,
        comments.author_key,
        lower(comments.text) as text
    from {{ ref('fct_comments') }} as comments
    inner join known_posts as posts
        on comments.post_key = posts.post_key
    {% if newest is not none -%}
    where comments.post_key in (select post_key from recent_posts)
    {%- endif %}

),

name_parts as (

    select distinct
        platform,
        post_id,
        name_part
    from (
        select
            platform,
            post_id,
            unnest(regexp_extract_all(lower(strip_accents(author_name)), '[\pL\pM]+')) as name_part
        from raw_authors
    ) as parts
    where length(name_part) >= 4
        and name_part not in (select ordinary_words.word from {{ ref('ordinary_words') }} as ordinary_words)

),

text_words as (

    select distinct
        platform,
        post_id,
        comment_key,
        text,
        unnest(regexp_extract_all(strip_accents(text), '[\pL\pM]+')) as word
    from mart_texts

)

select
    mart_texts.comment_key,
    mart_texts.text
from mart_texts
inner join raw_authors
    on mart_texts.platform = raw_authors.platform
    and mart_texts.post_id = raw_authors.post_id
where contains(mart_texts.text, lower(raw_authors.author_name))
    or contains(mart_texts.text, raw_authors.author_id)
    or mart_texts.author_key = raw_authors.author_id

union all

select
    text_words.comment_key,
    text_words.text
from text_words
inner join name_parts
    on text_words.platform = name_parts.platform
    and text_words.post_id = name_parts.post_id
    and text_words.word = name_parts.name_part
