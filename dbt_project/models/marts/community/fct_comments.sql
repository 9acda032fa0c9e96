{{
    config(
        materialized='incremental',
        unique_key='comment_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    One row per comment or reply (brand replies included), with the response the brand gave.

    Response rules (README.md, "Comments and response times"):
      * a comment written by the account itself is a brand reply, never a comment received;
      * a brand reply in the same thread answers every comment received in that thread that was
        written before it; a brand reply written directly under a comment answers it whatever
        the timestamps say (clock skew: 0 minutes, never negative);
      * the first brand reply is the earliest one that answers the comment.

    Incremental: whole posts are rebuilt (a thread's answer and a post's redaction list depend on
    all its comments): posts with a comment loaded since the last build, and posts with a comment
    written inside the re-fetch window before the newest comment already built. The watermarks are
    read before the build and compared as constants, so `int_comments` (a table) is filtered by
    a scan of three columns, whatever the history.
-#}

with

comments as (

    select * from {{ ref('int_comments') }}

),

intervals as (

    select * from {{ ref('int_business_hours__intervals') }}

),

lexicon as (

    select * from {{ ref('sentiment_lexicon') }}

),

ordinary_words as (

    select * from {{ ref('ordinary_words') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

-- read by the incremental branch only (outside it so that dbt sees the ref when parsing)
lookback as (  -- noqa: ST03

    select max(refetch_days) as lookback_days
    from accounts
    where platform_family = 'organic'

),

{% if is_incremental() %}

{%- set max_loaded_at = watermark('loaded_at') %}
{%- set max_created_at = watermark('created_at') %}

posts_to_rebuild as (

    select distinct comments.post_key
    from comments
    cross join lookback
    {% if max_loaded_at is none -%}
    -- an empty target (first run on an empty warehouse) takes everything
    {%- else -%}
    where comments.loaded_at > cast({{ max_loaded_at }} as timestamp with time zone)
        or comments.created_at >= {{ dbt.dateadd(
            'day', '-lookback.lookback_days',
            'cast(' ~ max_created_at ~ ' as timestamp with time zone)') }}
    {%- endif %}

),

scoped_comments as (

    select comments.*
    from comments
    inner join posts_to_rebuild
        on comments.post_key = posts_to_rebuild.post_key

),

{% else %}

scoped_comments as (

    select * from comments

),

{% endif %}

received as (

    select * from scoped_comments
    where not is_brand_reply

),

brand_replies as (

    select * from scoped_comments
    where is_brand_reply

),

first_brand_replies as (

    select
        received.comment_key,
        min(brand_replies.created_at) as first_brand_reply_at
    from received
    inner join brand_replies
        on received.thread_key = brand_replies.thread_key
        and received.comment_key <> brand_replies.comment_key
        and (
            received.comment_key = brand_replies.parent_comment_key
            or received.created_at <= brand_replies.created_at
        )
    group by 1

),

response_windows as (

    select
        received.comment_key as item_key,
        received.client_id,
        received.created_at as start_at,
        -- clock skew: a reply stamped before its comment took no time
        greatest(received.created_at, first_brand_replies.first_brand_reply_at) as end_at
    from received
    inner join first_brand_replies
        on received.comment_key = first_brand_replies.comment_key

),

business_minutes as (

    {{ business_minutes('response_windows', 'intervals') }}

),

received_in_hours as (

    select distinct received.comment_key
    from received
    inner join intervals
        on received.client_id = intervals.client_id
        and received.created_at >= intervals.open_at
        and received.created_at < intervals.close_at

),

post_identifiers as (

    -- the identifier tokens of the people who commented on each post, ordinary words excepted
    -- (see macros/privacy.sql)
    select distinct
        tokens.post_key,
        tokens.token
    from (
        select
            post_key,
            unnest(
                list_concat(
                    {{ identifier_tokens('author_name') }},
                    [lower(author_id)]
                )
            ) as token
        from scoped_comments
        where not is_brand_reply
    ) as tokens
    where tokens.token is not null
        and tokens.token not in (select ordinary_words.word from ordinary_words)

),

message_parts as (

    select
        parts.comment_key,
        parts.post_key,
        part.part_index,
        part.part
    from (
        select
            comment_key,
            post_key,
            unnest({{ text_parts('message') }}) as part  -- noqa: PRS
        from scoped_comments
        where message is not null
    ) as parts

),

redacted_texts as (

    -- a part equal to an identifier of the post becomes "[name]" (a hash join, whatever the
    -- number of commenters), then the parts are put back together in order
    select
        message_parts.comment_key,
        string_agg(
            case when post_identifiers.token is not null then '[name]' else message_parts.part end,
            '' order by message_parts.part_index
        ) as text
    from message_parts
    left join post_identifiers
        on message_parts.post_key = post_identifiers.post_key
        and {{ identifier_form('message_parts.part') }} = post_identifiers.token
    group by 1

),

comment_words as (

    select
        comment_key,
        message,
        lower(strip_accents(message)) as normalized_message,
        unnest({{ normalized_words('message') }}) as word
    from received
    where message is not null

),

word_hits as (

    select distinct
        comment_words.comment_key,
        lexicon.term,
        lexicon.polarity
    from comment_words
    inner join lexicon
        on comment_words.word = lexicon.term

),

phrases as (

    -- the lexicon's terms that are not one word
    select
        term,
        polarity
    from lexicon
    where not regexp_full_match(term, '[\pL\pN]+')

),

phrase_hits as (

    -- phrases, elisions (n'importe) and emoji: matched inside the normalised text (emoji in the raw one)
    select distinct
        normalized_comments.comment_key,
        phrases.term,
        phrases.polarity
    from (
        select
            comment_key,
            message,
            lower(strip_accents(message)) as normalized_message
        from received
        where message is not null
    ) as normalized_comments
    inner join phrases
        on contains(normalized_comments.normalized_message, phrases.term)
        or contains(normalized_comments.message, phrases.term)

),

sentiment_scores as (

    select
        comment_key,
        sum(polarity) as sentiment_score
    from (
        select * from word_hits
        union
        select * from phrase_hits
    ) as hits
    group by 1

),

final as (

    select
        scoped_comments.comment_key,
        scoped_comments.post_key,
        scoped_comments.parent_comment_key,
        scoped_comments.thread_key,
        scoped_comments.client_id,
        scoped_comments.platform,
        scoped_comments.account_id,
        scoped_comments.account_key,
        scoped_comments.comment_id,
        scoped_comments.created_at,
        {{ utc_to_local('scoped_comments.created_at', 'scoped_comments.client_timezone') }} as created_at_local,
        {{ local_date('scoped_comments.created_at', 'scoped_comments.client_timezone') }} as created_date_local,
        scoped_comments.author_key,
        case when scoped_comments.message is not null then coalesce(redacted_texts.text, '') end as text,
        scoped_comments.message is not null as has_text,
        scoped_comments.is_top_level,
        scoped_comments.is_brand_reply,
        scoped_comments.is_hidden,
        scoped_comments.like_count,
        first_brand_replies.first_brand_reply_at,
        case
            when not scoped_comments.is_brand_reply and first_brand_replies.first_brand_reply_at is not null
                then
                    greatest(
                        {{ minutes_between('scoped_comments.created_at', 'first_brand_replies.first_brand_reply_at') }},
                        0
                    )
        end as response_minutes,
        case
            when not scoped_comments.is_brand_reply and first_brand_replies.first_brand_reply_at is not null
                then business_minutes.business_minutes
        end as response_business_minutes,
        case
            when not scoped_comments.is_brand_reply
                then first_brand_replies.first_brand_reply_at is not null
        end as is_answered,
        case
            when not scoped_comments.is_brand_reply
                then received_in_hours.comment_key is null
        end as received_outside_business_hours,
        case
            when not scoped_comments.is_brand_reply and scoped_comments.message is not null
                -- a BIGINT, not the HUGEINT sum() gives, for BI drivers
                then cast(coalesce(sentiment_scores.sentiment_score, 0) as {{ dbt.type_bigint() }})
        end as sentiment_score,
        case
            when scoped_comments.is_brand_reply or scoped_comments.message is null then null
            when coalesce(sentiment_scores.sentiment_score, 0) < 0 then 'negative'
            when coalesce(sentiment_scores.sentiment_score, 0) > 0 then 'positive'
            else 'neutral'
        end as sentiment,
        case
            when not scoped_comments.is_brand_reply
                then coalesce(sentiment_scores.sentiment_score, 0) < 0
        end as is_negative,
        scoped_comments.loaded_at
    from scoped_comments
    left join first_brand_replies
        on scoped_comments.comment_key = first_brand_replies.comment_key
    left join business_minutes
        on scoped_comments.comment_key = business_minutes.item_key
    left join received_in_hours
        on scoped_comments.comment_key = received_in_hours.comment_key
    left join redacted_texts
        on scoped_comments.comment_key = redacted_texts.comment_key
    left join sentiment_scores
        on scoped_comments.comment_key = sentiment_scores.comment_key

)

select * from final
