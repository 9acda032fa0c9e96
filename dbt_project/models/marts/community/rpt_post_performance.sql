{#-
    One row per post: its organic lifetime counters, and beside them the paid figures of the
    ads that promoted it (dim_ads `promoted_post_key`), summed over those ads' days. The two are
    never added: organic `reach` is the post's unique reach, and paid reach (unique people per
    ad and day) cannot be summed at all, so no paid reach is given; `paid_impressions` are the
    ads' impressions, not part of the post's `views`.
-#}
with

posts as (

    select * from {{ ref('int_posts') }}

),

latest_metrics as (

    select * from {{ ref('int_post_latest_metrics') }}

),

ads as (

    select * from {{ ref('dim_ads') }}

),

ad_daily as (

    select * from {{ ref('fct_ad_daily') }}

),

paid as (

    select
        ads.promoted_post_key as post_key,
        count(distinct ads.ad_key) as paid_ads,
        min(ad_daily.date_day) as paid_first_day,
        max(ad_daily.date_day) as paid_last_day,
        -- BIGINT: sum() of BIGINT is HUGEINT, which BI drivers read badly
        cast(sum(ad_daily.impressions) as {{ dbt.type_bigint() }}) as paid_impressions,
        cast(sum(ad_daily.clicks) as {{ dbt.type_bigint() }}) as paid_clicks,
        max(ad_daily.reporting_currency) as paid_reporting_currency,
        sum(ad_daily.spend_reporting) as paid_spend_reporting,
        -- one window per platform: a post boosted on one platform has one
        {{ dbt.listagg('distinct ad_daily.attribution_window', "', '", 'order by ad_daily.attribution_window') }} as paid_attribution_window,  -- noqa: LT05
        sum(ad_daily.conversions) as paid_conversions,
        sum(ad_daily.conversion_value_reporting) as paid_conversion_value_reporting
    from ads
    inner join ad_daily
        on ads.ad_key = ad_daily.ad_key
    where ads.promoted_post_key is not null
    group by 1

),

final as (

    select
        posts.post_key,
        posts.client_id,
        posts.platform,
        posts.account_id,
        posts.published_at,
        posts.published_date_local,
        posts.media_type,
        latest_metrics.latest_snapshot_date,
        latest_metrics.latest_hours_since_published,
        latest_metrics.views,
        latest_metrics.reach,
        latest_metrics.reactions,
        latest_metrics.comments,
        -- Facebook's counter counts top-level comments only (the edge's default filter)
        posts.comments_include_replies,
        latest_metrics.shares,
        latest_metrics.saves,
        latest_metrics.clicks,
        latest_metrics.engagements,
        {{ safe_divide('latest_metrics.engagements', 'latest_metrics.views') }} as engagement_rate,
        latest_metrics.engagements_first_snapshot_after_24h,
        latest_metrics.hours_at_snapshot_after_24h,
        latest_metrics.engagements_first_snapshot_after_7d,
        latest_metrics.hours_at_snapshot_after_7d,
        rank() over (
            partition by posts.client_id, posts.platform, {{ dbt.date_trunc('month', 'posts.published_date_local') }}
            order by latest_metrics.engagements desc nulls last
        ) as engagement_rank_in_month,
        coalesce(paid.paid_ads, 0) as paid_ads,
        paid.paid_first_day,
        paid.paid_last_day,
        paid.paid_impressions,
        paid.paid_clicks,
        paid.paid_reporting_currency,
        paid.paid_spend_reporting,
        paid.paid_attribution_window,
        paid.paid_conversions,
        paid.paid_conversion_value_reporting
    from posts
    inner join latest_metrics
        on posts.post_key = latest_metrics.post_key
    left join paid
        on posts.post_key = paid.post_key

)

select * from final
