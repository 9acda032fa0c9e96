{#-
    One row per client, platform scope (facebook, instagram, all) and month (the client's time
    zone) of comments received: the month's response figures computed from the comments
    themselves. Medians are over the month's comments (a median of daily medians is not the
    month's median), the response rate leaves hidden comments out of its denominator (a hidden
    comment was moderated, not left waiting), and a month is complete once the posts and
    comments of every account in scope cover it.
-#}
with

comments as (

    select * from {{ ref('fct_comments') }}

),

coverage as (

    select * from {{ ref('int_source_coverage') }}

),

received as (

    select
        client_id,
        platform,
        cast({{ dbt.date_trunc('month', 'created_date_local') }} as date) as month_start,
        is_hidden,
        is_answered,
        is_top_level,
        is_negative,
        received_outside_business_hours,
        response_business_minutes,
        response_minutes
    from comments
    where not is_brand_reply

),

monthly as (

    select
        client_id,
        coalesce(platform, 'all') as platform_scope,
        month_start,
        count(*) as comments_received,
        count(case when is_hidden then 1 end) as hidden_comments,
        count(case when not is_hidden then 1 end) as comments_awaiting_response,
        count(case when not is_hidden and is_answered then 1 end) as comments_answered,
        count(case when not is_hidden and is_top_level then 1 end) as top_level_comments_awaiting_response,
        count(case when not is_hidden and is_top_level and is_answered then 1 end) as top_level_comments_answered,
        count(case when received_outside_business_hours then 1 end) as comments_received_outside_business_hours,
        count(case when is_negative then 1 end) as negative_comments,
        {{ percentile('case when not is_hidden then response_business_minutes end', 0.5) }}
            as median_first_response_business_minutes,
        {{ percentile('case when not is_hidden then response_business_minutes end', 0.9) }}
            as p90_first_response_business_minutes,
        {{ percentile('case when not is_hidden then response_minutes end', 0.5) }}
            as median_first_response_minutes,
        {{ percentile('case when not is_hidden then response_minutes end', 0.9) }}
            as p90_first_response_minutes
    from received
    group by grouping sets ((client_id, platform, month_start), (client_id, month_start))  -- noqa: PRS

),

scope_coverage as (

    select
        client_id,
        coalesce(platform, 'all') as platform_scope,
        max(covered_from) as covered_from,
        min(covered_through) as covered_through
    from coverage
    where source_name = 'content'
    group by grouping sets ((client_id, platform), (client_id))  -- noqa: PRS

),

final as (

    select
        {{ surrogate_key(['monthly.client_id', 'monthly.platform_scope', 'monthly.month_start']) }}
            as response_monthly_key,
        monthly.client_id,
        monthly.platform_scope,
        left(cast(monthly.month_start as {{ dbt.type_string() }}), 7) as calendar_month,
        monthly.month_start,
        coalesce(
            scope_coverage.covered_from <= monthly.month_start
            and scope_coverage.covered_through >= cast({{ dbt.last_day('monthly.month_start', 'month') }} as date),
            false
        ) as is_month_complete,
        scope_coverage.covered_through as data_covered_through,
        monthly.comments_received,
        monthly.hidden_comments,
        monthly.comments_awaiting_response,
        monthly.comments_answered,
        {{ safe_divide('monthly.comments_answered', 'monthly.comments_awaiting_response') }} as response_rate,
        {{ safe_divide('monthly.top_level_comments_answered', 'monthly.top_level_comments_awaiting_response') }}
            as top_level_response_rate,
        monthly.comments_received_outside_business_hours,
        monthly.negative_comments,
        monthly.median_first_response_business_minutes,
        monthly.p90_first_response_business_minutes,
        monthly.median_first_response_minutes,
        monthly.p90_first_response_minutes
    from monthly
    left join scope_coverage
        on monthly.client_id = scope_coverage.client_id
        and monthly.platform_scope = scope_coverage.platform_scope

)

select * from final
