with

posts as (

    select * from {{ ref('int_posts') }}

),

latest_metrics as (

    select * from {{ ref('int_post_latest_metrics') }}

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
        ) as engagement_rank_in_month
    from posts
    inner join latest_metrics
        on posts.post_key = latest_metrics.post_key

)

select * from final
