{#-
    One row per client, platform and local day (the client's time zone) from the first to the
    last day with a post or a comment. Response metrics count comments received that day that
    are not hidden (a hidden comment was moderated, not left waiting), whenever they were
    answered; the backlog counts, at the end of the day, comments received in the
    `unanswered_lookback_days` before it that no brand reply had answered by then.
    `post_engagements_lifetime` and `post_views_lifetime` are the lifetime figures of the posts
    published that day (their latest snapshot), not the account's daily figures
    (fct_account_daily). A day after the last day the extractions covered (the night's partial
    day, in the client's time zone) is flagged `is_day_complete = false`: its counts are partial.
-#}
{%- set lookback_days = var('unanswered_lookback_days') -%}
{#- a day before the first day every account's comments could be read for: comments unknown -#}
{%- set covered = 'coalesce(spine.date_day >= last_complete_days.first_covered_date, true)' -%}
{%- set lookback_end = dbt.dateadd('day', lookback_days, 'comments.created_at') -%}

with

comments as (

    select * from {{ ref('fct_comments') }}

),

posts as (

    select * from {{ ref('int_posts') }}

),

post_metrics as (

    select * from {{ ref('int_post_latest_metrics') }}

),

clients as (

    select * from {{ ref('stg_config__clients') }}

),

coverage as (

    select * from {{ ref('int_source_coverage') }}

),

-- the last client-local day every account of the series had covered, complete, when extracted
last_complete_days as (

    select
        client_id,
        platform,
        -- the first client-local day every account's comments could be read for: a platform
        -- whose comments can only be read for a while (X's 7-day recent search) starts its
        -- coverage later than its posts, and a day before it has unknown comments, not zero
        max(covered_from) as first_covered_date,
        min(covered_through) as last_complete_date
    from coverage
    where source_name = 'content'
    group by 1, 2

),

activity_dates as (

    select
        client_id,
        platform,
        created_date_local as date_day
    from comments
    union all
    select
        client_id,
        platform,
        published_date_local as date_day
    from posts

),

bounds as (

    select
        client_id,
        platform,
        min(date_day) as first_date,
        max(date_day) as last_date
    from activity_dates
    group by 1, 2

),

day_numbers as (

    select generated_number - 1 as day_offset from ({{ dbt.generate_series(16384) }}) as series

),

spine as (

    select
        bounds.client_id,
        bounds.platform,
        cast({{ dbt.dateadd('day', 'day_numbers.day_offset', 'bounds.first_date') }} as date) as date_day
    from bounds
    cross join day_numbers
    inner join clients
        on bounds.client_id = clients.client_id
    where day_numbers.day_offset <= {{ dbt.datediff('bounds.first_date', 'bounds.last_date', 'day') }}

),

daily_posts as (

    select
        posts.client_id,
        posts.platform,
        posts.published_date_local as date_day,
        count(*) as posts_published,
        sum(post_metrics.engagements) as post_engagements_lifetime,
        sum(post_metrics.views) as post_views_lifetime
    from posts
    left join post_metrics
        on posts.post_key = post_metrics.post_key
    group by 1, 2, 3

),

daily_comments as (

    select
        client_id,
        platform,
        created_date_local as date_day,
        count(case when not is_brand_reply then 1 end) as comments_received,
        count(case when not is_brand_reply and is_top_level then 1 end) as top_level_comments_received,
        count(case when is_brand_reply then 1 end) as brand_replies,
        count(case when not is_brand_reply and is_hidden then 1 end) as hidden_comments,
        count(case when not is_brand_reply and is_negative then 1 end) as negative_comments,
        count(case when not is_brand_reply and received_outside_business_hours then 1 end)
            as comments_received_outside_business_hours,
        count(case when not is_brand_reply and not is_hidden then 1 end) as comments_awaiting_response,
        count(case when not is_brand_reply and not is_hidden and is_answered then 1 end) as comments_answered,
        count(case when not is_brand_reply and not is_hidden and is_top_level then 1 end)
            as top_level_comments_awaiting_response,
        count(case when not is_brand_reply and not is_hidden and is_top_level and is_answered then 1 end)
            as top_level_comments_answered,
        {{ percentile('case when not is_brand_reply and not is_hidden then response_business_minutes end', 0.5) }}
            as median_first_response_business_minutes,
        {{ percentile('case when not is_brand_reply and not is_hidden then response_business_minutes end', 0.9) }}
            as p90_first_response_business_minutes,
        {{ percentile('case when not is_brand_reply and not is_hidden then response_minutes end', 0.5) }}
            as median_first_response_minutes,
        {{ percentile('case when not is_brand_reply and not is_hidden then response_minutes end', 0.9) }}
            as p90_first_response_minutes
    from comments
    group by 1, 2, 3

),

-- a comment waits, at the end of each day, from the day it arrives until the day before its
-- first brand reply or the end of the lookback (whichever comes first): +1 on its first day,
-- -1 on its stop day; the backlog is the running sum over the spine (one pass over comments)
waiting as (

    select
        comments.client_id,
        comments.platform,
        comments.created_date_local as first_day,
        {{ local_date(
            'least(coalesce(comments.first_brand_reply_at, ' ~ lookback_end ~ '), ' ~ lookback_end ~ ')',
            'clients.timezone'
        ) }} as stop_day
    from comments
    inner join clients
        on comments.client_id = clients.client_id
    where not comments.is_brand_reply
        and not comments.is_hidden

),

backlog_changes as (

    select
        client_id,
        platform,
        date_day,
        sum(backlog_change) as backlog_change
    from (
        select
            client_id,
            platform,
            first_day as date_day,
            1 as backlog_change
        from waiting
        where stop_day > first_day
        union all
        select
            client_id,
            platform,
            stop_day as date_day,
            -1 as backlog_change
        from waiting
        where stop_day > first_day
    ) as changes
    group by 1, 2, 3

),

backlog as (

    select
        spine.client_id,
        spine.platform,
        spine.date_day,
        sum(coalesce(backlog_changes.backlog_change, 0)) over (
            partition by spine.client_id, spine.platform
            order by spine.date_day
            rows between unbounded preceding and current row
        ) as unanswered_at_end_of_day
    from spine
    left join backlog_changes
        on spine.client_id = backlog_changes.client_id
        and spine.platform = backlog_changes.platform
        and spine.date_day = backlog_changes.date_day

),

joined as (

    select
        spine.client_id,
        spine.platform,
        spine.date_day,
        coalesce(daily_posts.posts_published, 0) as posts_published,
        coalesce(daily_posts.post_engagements_lifetime, 0) as post_engagements_lifetime,
        coalesce(daily_posts.post_views_lifetime, 0) as post_views_lifetime,
        case when {{ covered }} then coalesce(daily_comments.comments_received, 0) end
            as comments_received,
        case when {{ covered }} then coalesce(daily_comments.top_level_comments_received, 0) end
            as top_level_comments_received,
        case when {{ covered }} then coalesce(daily_comments.brand_replies, 0) end
            as brand_replies,
        case when {{ covered }} then coalesce(daily_comments.hidden_comments, 0) end
            as hidden_comments,
        case when {{ covered }} then coalesce(daily_comments.comments_received_outside_business_hours, 0) end
            as comments_received_outside_business_hours,
        case when {{ covered }} then coalesce(daily_comments.comments_answered, 0) end
            as comments_answered,
        {{ safe_divide('daily_comments.comments_answered', 'daily_comments.comments_awaiting_response') }}
            as response_rate,
        {{ safe_divide('daily_comments.top_level_comments_answered', 'daily_comments.top_level_comments_awaiting_response') }}  -- noqa: LT05
            as top_level_response_rate,
        daily_comments.median_first_response_business_minutes,
        daily_comments.p90_first_response_business_minutes,
        daily_comments.median_first_response_minutes,
        daily_comments.p90_first_response_minutes,
        case when {{ covered }} then coalesce(backlog.unanswered_at_end_of_day, 0) end
            as unanswered_at_end_of_day,
        case when {{ covered }} then coalesce(daily_comments.negative_comments, 0) end
            as negative_comments,
        coalesce(spine.date_day <= last_complete_days.last_complete_date, false) as is_day_complete,
        {{ covered }} as are_comments_covered
    from spine
    left join daily_posts
        on spine.client_id = daily_posts.client_id
        and spine.platform = daily_posts.platform
        and spine.date_day = daily_posts.date_day
    left join daily_comments
        on spine.client_id = daily_comments.client_id
        and spine.platform = daily_comments.platform
        and spine.date_day = daily_comments.date_day
    left join backlog
        on spine.client_id = backlog.client_id
        and spine.platform = backlog.platform
        and spine.date_day = backlog.date_day
    left join last_complete_days
        on spine.client_id = last_complete_days.client_id
        and spine.platform = last_complete_days.platform

),

with_baselines as (

    select
        *,
        avg(negative_comments) over (
            partition by client_id, platform order by date_day rows between 28 preceding and 1 preceding
        ) as negative_comments_baseline,
        avg(comments_received) over (
            partition by client_id, platform order by date_day rows between 28 preceding and 1 preceding
        ) as comments_received_baseline
    from joined

),

final as (

    select
        {{ surrogate_key(['client_id', 'platform', 'date_day']) }} as community_daily_key,
        client_id,
        platform,
        date_day,
        is_day_complete,
        are_comments_covered,
        posts_published,
        -- sum() of BIGINT is HUGEINT in DuckDB, which ODBC/JDBC/Arrow drivers read badly
        cast(post_engagements_lifetime as {{ dbt.type_bigint() }}) as post_engagements_lifetime,
        cast(post_views_lifetime as {{ dbt.type_bigint() }}) as post_views_lifetime,
        comments_received,
        top_level_comments_received,
        brand_replies,
        hidden_comments,
        comments_received_outside_business_hours,
        comments_answered,
        response_rate,
        top_level_response_rate,
        median_first_response_business_minutes,
        p90_first_response_business_minutes,
        median_first_response_minutes,
        p90_first_response_minutes,
        cast(unanswered_at_end_of_day as {{ dbt.type_bigint() }}) as unanswered_at_end_of_day,
        negative_comments,
        {{ safe_divide('negative_comments', 'comments_received') }} as negative_comment_share,
        -- crisis heuristics: at least 5 (negative) comments and 3× the previous 28 days' average
        negative_comments >= 5 and negative_comments >= 3 * coalesce(negative_comments_baseline, 0)
            as is_negative_spike,
        comments_received >= 20 and comments_received >= 3 * coalesce(comments_received_baseline, 0)
            as is_comment_spike
    from with_baselines

)

select * from final
