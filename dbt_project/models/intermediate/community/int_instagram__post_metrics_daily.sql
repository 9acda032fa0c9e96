{#-
    One row per Instagram media per run date: the node's counters and the lifetime insights
    read that day (none for media younger than 24 h or with too little reach: NULL metrics).
-#}
with

media as (

    select * from {{ ref('stg_instagram__media') }}

),

insights as (

    select * from {{ ref('stg_instagram__media_insights') }}

),

insights_pivoted as (

    select
        media_id,
        snapshot_date,
        max(case when metric_name = 'views' then metric_value end) as views,
        max(case when metric_name = 'reach' then metric_value end) as reach,
        max(case when metric_name = 'saved' then metric_value end) as saves,
        max(case when metric_name = 'shares' then metric_value end) as shares,
        max(case when metric_name = 'total_interactions' then metric_value end) as total_interactions,
        max(extracted_at) as extracted_at,
        max(loaded_at) as loaded_at
    from insights
    group by 1, 2

),

final as (

    select
        'instagram' as platform,
        media.client_id,
        media.ig_user_id as account_id,
        media.media_id as post_id,
        media.snapshot_date,
        media.extracted_at,
        insights_pivoted.views,
        insights_pivoted.reach,
        media.like_count as reactions,
        media.comments_count as comments,
        insights_pivoted.shares,
        insights_pivoted.saves,
        cast(null as {{ dbt.type_bigint() }}) as clicks,
        insights_pivoted.extracted_at is not null as has_insights,
        greatest(media.loaded_at, coalesce(insights_pivoted.loaded_at, media.loaded_at)) as loaded_at
    from media
    left join insights_pivoted
        on media.media_id = insights_pivoted.media_id
        and media.snapshot_date = insights_pivoted.snapshot_date

)

select * from final
