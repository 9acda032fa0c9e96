{#-
    One row per customer comment still waiting for the brand, every organic platform: what a
    community manager answers first in the morning.

    Waiting: not a brand reply, not hidden, not deleted (`int_deleted_comments`: a later
    complete read of its post no longer returned it), no brand reply at all yet, received by
    the end of the last complete day of its series (`as_of_at`, as in rpt_backlog_current) and within the
    `unanswered_lookback_days` before it (older comments are no longer re-read, so a reply to
    them would go unseen). The age is measured at `as_of_at`, in clock minutes and in the
    client's business minutes. Priority per client: negative comments first, then the longest
    wait in business minutes, then in clock minutes.

    The link is the comment's own permalink where the platform gives one, else its post's.
-#}
{%- set lookback_days = var('unanswered_lookback_days') -%}

with

comments as (

    select * from {{ ref('fct_comments') }}

),

posts as (

    select * from {{ ref('dim_posts') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

coverage as (

    select * from {{ ref('int_source_coverage') }}

),

intervals as (

    select * from {{ ref('int_business_hours__intervals') }}

),

comment_links as (

    select * from {{ ref('int_comment_links') }}

),

deleted_comments as (

    select * from {{ ref('int_deleted_comments') }}

),

as_of as (

    select
        accounts.client_id,
        accounts.platform,
        max(accounts.client_timezone) as client_timezone,
        min(coverage.covered_through) as as_of_date
    from accounts
    left join coverage
        on accounts.client_id = coverage.client_id
        and accounts.platform = coverage.platform
        and coverage.source_name = 'content'
    where accounts.platform_family = 'organic'
    group by 1, 2

),

as_of_instants as (

    select
        client_id,
        platform,
        client_timezone,
        as_of_date,
        {{ local_to_utc('cast(' ~ dbt.dateadd('day', 1, 'as_of_date') ~ ' as timestamp)', 'client_timezone') }}  -- noqa: LT05
            as as_of_at
    from as_of

),

waiting as (

    select
        comments.*,
        as_of_instants.as_of_at
    from comments
    inner join as_of_instants
        on comments.client_id = as_of_instants.client_id
        and comments.platform = as_of_instants.platform
    where not comments.is_brand_reply
        and not comments.is_hidden
        and not comments.is_answered
        -- deleted by its author or the brand since it was extracted: nothing left to answer
        and comments.comment_key not in (select deleted_comments.comment_key from deleted_comments)
        and comments.created_at < as_of_instants.as_of_at
        -- the backlog's rule: a comment leaves once `lookback_days` have passed
        and comments.created_at >= {{ dbt.dateadd('day', -lookback_days, 'as_of_instants.as_of_at') }}

),

waiting_windows as (

    select
        comment_key as item_key,
        client_id,
        created_at as start_at,
        as_of_at as end_at
    from waiting

),

business_minutes as (

    {{ business_minutes('waiting_windows', 'intervals') }}

),

accounts_named as (

    select
        platform,
        account_id,
        max(account_name) as account_name
    from accounts
    group by 1, 2

),

ages as (

    select
        waiting.*,
        posts.permalink as post_permalink,
        comment_links.permalink_url as comment_permalink,
        accounts_named.account_name,
        greatest({{ minutes_between('waiting.created_at', 'waiting.as_of_at') }}, 0) as age_minutes,
        coalesce(business_minutes.business_minutes, 0) as age_business_minutes
    from waiting
    left join business_minutes
        on waiting.comment_key = business_minutes.item_key
    left join posts
        on waiting.post_key = posts.post_key
    left join comment_links
        on waiting.comment_key = comment_links.comment_key
    left join accounts_named
        on waiting.platform = accounts_named.platform
        and waiting.account_id = accounts_named.account_id

),

final as (

    select
        comment_key,
        client_id,
        platform,
        account_id,
        account_key,
        account_name,
        post_key,
        comment_id,
        author_key,
        text,
        coalesce(comment_permalink, post_permalink) as link_url,
        case
            when comment_permalink is not null then 'comment'
            when post_permalink is not null then 'post'
        end as link_target,
        post_permalink,
        created_at,
        created_at_local,
        created_date_local,
        as_of_at,
        age_minutes,
        age_business_minutes,
        sentiment,
        sentiment_score,
        is_negative,
        received_outside_business_hours,
        row_number() over (
            partition by client_id
            order by is_negative desc, age_business_minutes desc, age_minutes desc, comment_key asc
        ) as priority_rank
    from ages

)

select * from final
