{#-
    One row per post: its counters at the latest snapshot, and at the first snapshot taken at
    least 24 hours and 7 days after publication (how fast a post gathers its engagement).
    Reads `fct_post_metrics_daily`, so it is built after that mart.
-#}
with

-- the incremental snapshot table, not the views over raw JSON: reading every post's history
-- costs a column scan, whatever the history
aged as (

    select * from {{ ref('fct_post_metrics_daily') }}

),

latest as (

    select * from aged
    qualify row_number() over (partition by post_key order by snapshot_date desc) = 1

),

after_24h as (

    select * from aged
    where hours_since_published >= 24
    qualify row_number() over (partition by post_key order by snapshot_date) = 1

),

after_7d as (

    select * from aged
    where hours_since_published >= 24 * 7
    qualify row_number() over (partition by post_key order by snapshot_date) = 1

),

final as (

    select
        latest.post_key,
        latest.snapshot_date as latest_snapshot_date,
        latest.hours_since_published as latest_hours_since_published,
        latest.views,
        latest.reach,
        latest.reactions,
        latest.comments,
        latest.shares,
        latest.saves,
        latest.clicks,
        latest.engagements,
        after_24h.engagements as engagements_first_snapshot_after_24h,
        after_24h.hours_since_published as hours_at_snapshot_after_24h,
        after_7d.engagements as engagements_first_snapshot_after_7d,
        after_7d.hours_since_published as hours_at_snapshot_after_7d
    from latest
    left join after_24h
        on latest.post_key = after_24h.post_key
    left join after_7d
        on latest.post_key = after_7d.post_key

)

select * from final
