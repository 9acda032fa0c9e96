{#-
    One row per client and organic platform with a configured account: the comments waiting for
    a brand reply at the end of the last complete day (the client's time zone), every series
    included even when it had no activity that day. Same rule as rpt_community_daily's
    `unanswered_at_end_of_day`: non-hidden comments received in the `unanswered_lookback_days`
    before, not answered by then. Reads only the comments of the lookback window.
-#}
{%- set lookback_days = var('unanswered_lookback_days') -%}

with

comments as (

    select * from {{ ref('fct_comments') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

coverage as (

    select * from {{ ref('int_source_coverage') }}

),

series as (

    select
        client_id,
        platform,
        max(client_timezone) as client_timezone
    from accounts
    where platform_family = 'organic'
    group by 1, 2

),

as_of as (

    select
        series.client_id,
        series.platform,
        series.client_timezone,
        min(coverage.covered_through) as as_of_date
    from series
    left join coverage
        on series.client_id = coverage.client_id
        and series.platform = coverage.platform
        and coverage.source_name = 'content'
    group by 1, 2, 3

),

waiting as (

    -- received by the end of the as-of day, within the lookback, not answered by then
    select
        comments.client_id,
        comments.platform,
        comments.created_at,
        comments.is_negative
    from comments
    inner join as_of
        on comments.client_id = as_of.client_id
        and comments.platform = as_of.platform
    where not comments.is_brand_reply
        and not comments.is_hidden
        and comments.created_date_local <= as_of.as_of_date
        and comments.created_date_local
            >= cast({{ dbt.dateadd('day', -(lookback_days + 1), 'as_of.as_of_date') }} as date)  -- noqa: LT02
        and {{ local_date(
            'least(coalesce(comments.first_brand_reply_at, ' ~ dbt.dateadd('day', lookback_days, 'comments.created_at') ~ '), '
            ~ dbt.dateadd('day', lookback_days, 'comments.created_at') ~ ')',
            'as_of.client_timezone'
        ) }} > as_of.as_of_date

),

final as (

    select
        {{ surrogate_key(['as_of.client_id', 'as_of.platform']) }} as backlog_key,
        as_of.client_id,
        as_of.platform,
        as_of.as_of_date,
        {{ local_to_utc('cast(' ~ dbt.dateadd('day', 1, 'as_of.as_of_date') ~ ' as timestamp)', 'as_of.client_timezone') }}  -- noqa: LT05
            as as_of_at,
        count(waiting.created_at) as unanswered_comments,
        count(case when waiting.is_negative then 1 end) as unanswered_negative_comments,
        min(waiting.created_at) as oldest_unanswered_at
    from as_of
    left join waiting
        on as_of.client_id = waiting.client_id
        and as_of.platform = waiting.platform
    group by 1, 2, 3, 4, 5

)

select * from final
