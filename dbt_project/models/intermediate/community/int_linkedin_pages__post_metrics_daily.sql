{#-
    One row per LinkedIn post per run date: the lifetime share statistics read that day, mapped
    to the shared counters (DECISIONLOG "LinkedIn metrics"): impressionCount → views,
    uniqueImpressionsCount → reach, likeCount → reactions (LinkedIn counts every reaction type
    there), commentCount → comments (replies included), shareCount → shares, clickCount →
    clicks. LinkedIn has no saves: NULL. LinkedIn's own `engagement` is a rate that also counts
    clicks; it is not the shared `engagements` (reactions + comments + shares + saves).
-#}
with

posts as (

    select * from {{ ref('stg_linkedin_pages__posts') }}

),

statistics as (

    select * from {{ ref('stg_linkedin_pages__post_statistics') }}

),

final as (

    select
        'linkedin_pages' as platform,
        posts.client_id,
        posts.organization_id as account_id,
        posts.post_id,
        posts.snapshot_date,
        posts.extracted_at,
        statistics.impression_count as views,
        statistics.unique_impressions_count as reach,
        statistics.like_count as reactions,
        statistics.comment_count as comments,
        statistics.share_count as shares,
        cast(null as {{ dbt.type_bigint() }}) as saves,
        statistics.click_count as clicks,
        statistics.extracted_at is not null as has_insights,
        greatest(posts.loaded_at, coalesce(statistics.loaded_at, posts.loaded_at)) as loaded_at
    from posts
    left join statistics
        on posts.post_id = statistics.post_id
        and posts.snapshot_date = statistics.snapshot_date

)

select * from final
