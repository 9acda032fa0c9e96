{#-
    One row per client, KPI target, platform scope and month: the target agreed in
    config/clients.yml next to the month's actual. Months are local: the client's time zone for
    posts and comments, Meta's Pacific day for account metrics, the ad account's time zone for
    ads. Money is in the client's reporting currency. `reach` has no monthly actual: reach is
    unique people and cannot be summed over days (the monthly figure would need its own API
    request); its actual is NULL and `actual_note` says so.
-#}
with

targets as (

    select * from {{ ref('stg_config__kpi_targets') }}

),

posts as (

    select * from {{ ref('int_posts') }}

),

account_daily as (

    select * from {{ ref('fct_account_daily') }}

),

comments as (

    select * from {{ ref('fct_comments') }}

),

ad_daily as (

    select * from {{ ref('fct_ad_daily') }}

),

coverage as (

    select * from {{ ref('int_source_coverage') }}

),

-- the source each KPI's actual comes from
kpi_sources as (

    select
        kpi_source_map.kpi,
        kpi_source_map.source_name
    from (
        values
        ('posts', 'content'),
        ('comments_received', 'content'),
        ('response_rate', 'content'),
        ('median_first_response_business_minutes', 'content'),
        ('views', 'account_metrics'),
        ('reach', 'account_metrics'),
        ('engagements', 'account_metrics'),
        ('engagement_rate', 'account_metrics'),
        ('follower_growth', 'account_metrics'),
        ('spend', 'ads'),
        ('clicks', 'ads'),
        ('conversions', 'ads'),
        ('cpa', 'ads'),
        ('roas', 'ads')
    ) as kpi_source_map (kpi, source_name)

),

monthly_posts as (

    select
        client_id,
        platform,
        {{ dbt.date_trunc('month', 'published_date_local') }} as month_start,
        count(*) as posts
    from posts
    group by 1, 2, 3

),

monthly_accounts as (

    select
        client_id,
        platform,
        {{ dbt.date_trunc('month', 'date_day') }} as month_start,
        sum(views) as views,
        sum(engagements) as engagements,
        sum(follower_change) as follower_growth
    from account_daily
    group by 1, 2, 3

),

monthly_comments as (

    select
        client_id,
        platform,
        {{ dbt.date_trunc('month', 'created_date_local') }} as month_start,
        count(*) as comments_received,
        count(case when not is_hidden then 1 end) as comments_awaiting_response,
        count(case when not is_hidden and is_answered then 1 end) as comments_answered
    from comments
    where not is_brand_reply
    group by 1, 2, 3

),

monthly_ads as (

    select
        client_id,
        platform,
        {{ dbt.date_trunc('month', 'date_day') }} as month_start,
        sum(spend_reporting) as spend,
        sum(clicks) as clicks,
        sum(conversions) as conversions,
        sum(conversion_value_reporting) as conversion_value
    from ad_daily
    group by 1, 2, 3

),

-- the median cannot be rolled up from platform medians: computed for both scopes
monthly_response_medians as (

    select
        client_id,
        coalesce(platform, 'all') as platform_scope,
        month_start,
        {{ percentile('response_business_minutes', 0.5) }} as median_first_response_business_minutes
    from (
        select
            client_id,
            platform,
            {{ dbt.date_trunc('month', 'created_date_local') }} as month_start,
            response_business_minutes
        from comments
        where not is_brand_reply and not is_hidden
    ) as received
    group by grouping sets ((client_id, platform, month_start), (client_id, month_start))  -- noqa: PRS, AM06

),

platform_months as (

    select
        client_id,
        platform,
        month_start
    from monthly_posts
    union
    select
        client_id,
        platform,
        month_start
    from monthly_accounts
    union
    select
        client_id,
        platform,
        month_start
    from monthly_comments
    union
    select
        client_id,
        platform,
        month_start
    from monthly_ads

),

sums as (

    select
        platform_months.client_id,
        coalesce(platform_months.platform, 'all') as platform_scope,
        platform_months.month_start,
        sum(monthly_posts.posts) as posts,
        sum(monthly_accounts.views) as views,
        sum(monthly_accounts.engagements) as engagements,
        sum(monthly_accounts.follower_growth) as follower_growth,
        sum(monthly_comments.comments_received) as comments_received,
        sum(monthly_comments.comments_awaiting_response) as comments_awaiting_response,
        sum(monthly_comments.comments_answered) as comments_answered,
        sum(monthly_ads.spend) as spend,
        sum(monthly_ads.clicks) as clicks,
        sum(monthly_ads.conversions) as conversions,
        sum(monthly_ads.conversion_value) as conversion_value
    from platform_months
    left join monthly_posts
        on platform_months.client_id = monthly_posts.client_id
        and platform_months.platform = monthly_posts.platform
        and platform_months.month_start = monthly_posts.month_start
    left join monthly_accounts
        on platform_months.client_id = monthly_accounts.client_id
        and platform_months.platform = monthly_accounts.platform
        and platform_months.month_start = monthly_accounts.month_start
    left join monthly_comments
        on platform_months.client_id = monthly_comments.client_id
        and platform_months.platform = monthly_comments.platform
        and platform_months.month_start = monthly_comments.month_start
    left join monthly_ads
        on platform_months.client_id = monthly_ads.client_id
        and platform_months.platform = monthly_ads.platform
        and platform_months.month_start = monthly_ads.month_start
    group by grouping sets (  -- noqa: PRS, AM06, RF02
        (platform_months.client_id, platform_months.platform, platform_months.month_start),
        (platform_months.client_id, platform_months.month_start)
    )

),

kpis as (

    select distinct kpi from targets

),

actuals as (

    select
        sums.client_id,
        sums.platform_scope,
        sums.month_start,
        kpis.kpi,
        case kpis.kpi
            when 'posts' then sums.posts
            when 'views' then sums.views
            when 'engagements' then sums.engagements
            when 'engagement_rate' then {{ safe_divide('sums.engagements', 'sums.views') }}
            when 'follower_growth' then sums.follower_growth
            when 'comments_received' then sums.comments_received
            when 'response_rate' then {{ safe_divide('sums.comments_answered', 'sums.comments_awaiting_response') }}
            when 'median_first_response_business_minutes'
                then monthly_response_medians.median_first_response_business_minutes
            when 'spend' then sums.spend
            when 'clicks' then sums.clicks
            when 'conversions' then sums.conversions
            when 'cpa' then {{ safe_divide('sums.spend', 'sums.conversions') }}
            when 'roas' then {{ safe_divide('sums.conversion_value', 'sums.spend') }}
        end as actual_value
    from sums
    cross join kpis
    left join monthly_response_medians
        on sums.client_id = monthly_response_medians.client_id
        and sums.platform_scope = monthly_response_medians.platform_scope
        and sums.month_start = monthly_response_medians.month_start

),

client_months as (

    select
        client_id,
        month_start
    from sums
    where platform_scope = 'all'

),

target_month_starts as (

    -- a target without a month applies to every month with data; a dated one to its month
    select
        targets.client_id,
        targets.kpi,
        coalesce(targets.platform, 'all') as platform_scope,
        coalesce(
            cast(targets.target_month || '-01' as date),
            client_months.month_start
        ) as month_start,
        targets.target_value,
        targets.target_month is null as is_recurring_target
    from targets
    left join client_months
        on targets.client_id = client_months.client_id
        and targets.target_month is null

),

target_months as (

    select
        *,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end
    from target_month_starts

),

month_coverage as (

    -- every account in scope must cover the month in the KPI source's own days
    select
        target_months.client_id,
        target_months.kpi,
        target_months.platform_scope,
        target_months.month_start,
        max(coverage.covered_from) as covered_from,
        min(coverage.covered_through) as covered_through,
        count(coverage.account_id) > 0
        and bool_and(
            coverage.covered_from <= cast(target_months.month_start as date)
            and coverage.covered_through >= target_months.month_end
        ) as is_month_complete,
        case
            when count(coverage.account_id) = 0
                then 'no ' || replace(max(kpi_sources.source_name), '_', ' ') || ' extracted for this scope'
            else
                string_agg(
                    case
                        when coverage.covered_from > cast(target_months.month_start as date)
                            or coverage.covered_through < target_months.month_end
                            then coverage.platform || ' ' || coverage.account_id || ' '
                                || replace(coverage.source_name, '_', ' ') || ': '
                                || cast(coverage.covered_from as {{ dbt.type_string() }}) || ' to '
                                || coalesce(
                                    cast(coverage.covered_through as {{ dbt.type_string() }}), 'no complete day'
                                )
                                || ' (' || coverage.day_timezone || ' days)'
                    end,
                    '; ' order by coverage.platform, coverage.account_id
                )
        end as missing_coverage
    from target_months
    inner join kpi_sources
        on target_months.kpi = kpi_sources.kpi
    left join coverage
        on target_months.client_id = coverage.client_id
        and kpi_sources.source_name = coverage.source_name
        and (target_months.platform_scope = 'all' or target_months.platform_scope = coverage.platform)
    where target_months.month_start is not null
    group by 1, 2, 3, 4

),

final as (

    select
        {{ surrogate_key(['target_months.client_id', 'target_months.kpi', 'target_months.platform_scope', 'target_months.month_start']) }}  -- noqa: LT05
            as target_key,
        target_months.client_id,
        left(cast(cast(target_months.month_start as date) as {{ dbt.type_string() }}), 7) as calendar_month,
        cast(target_months.month_start as date) as month_start,
        target_months.kpi,
        target_months.platform_scope,
        target_months.target_value,
        cast(actuals.actual_value as {{ type_double() }}) as actual_value,
        case
            when target_months.kpi = 'reach'
                then 'reach is not additive over days or posts: no monthly total is available'
            when actuals.actual_value is not null then null
            when actuals.kpi is null then 'no data for this month and scope'
            when target_months.kpi in ('engagement_rate', 'response_rate', 'cpa', 'roas')
                then 'undefined: the denominator is zero this month'
            else 'no data for this month and scope'
        end as actual_note,
        case
            when target_months.kpi in ('cpa', 'median_first_response_business_minutes') then 'lower_is_better'
            else 'higher_is_better'
        end as direction,
        {{ safe_divide('actuals.actual_value', 'target_months.target_value') }} as attainment,
        case
            -- a partial month is neither met nor missed yet
            when actuals.actual_value is null or not coalesce(month_coverage.is_month_complete, false) then null
            when target_months.kpi in ('cpa', 'median_first_response_business_minutes')
                then actuals.actual_value <= target_months.target_value
            else actuals.actual_value >= target_months.target_value
        end as is_met,
        coalesce(month_coverage.is_month_complete, false) as is_month_complete,
        month_coverage.covered_from as data_covered_from,
        month_coverage.covered_through as data_covered_through,
        month_coverage.missing_coverage,
        target_months.is_recurring_target
    from target_months
    left join actuals
        on target_months.client_id = actuals.client_id
        and target_months.kpi = actuals.kpi
        and target_months.platform_scope = actuals.platform_scope
        and target_months.month_start = actuals.month_start
    left join month_coverage
        on target_months.client_id = month_coverage.client_id
        and target_months.kpi = month_coverage.kpi
        and target_months.platform_scope = month_coverage.platform_scope
        and target_months.month_start = month_coverage.month_start
    where target_months.month_start is not null

)

select * from final
