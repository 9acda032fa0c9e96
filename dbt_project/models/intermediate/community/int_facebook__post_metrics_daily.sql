{#-
    One row per Facebook post per run date: the node's counters and the lifetime insights read
    that day. Insights are pivoted from a declared metric list, so a metric the API stops
    returning becomes a NULL column, never a missing one.
-#}
with

posts as (

    select * from {{ ref('stg_facebook__posts') }}

),

insights as (

    select * from {{ ref('stg_facebook__post_insights') }}

),

insights_pivoted as (

    select
        post_id,
        snapshot_date,
        max(case when metric_name = 'post_media_view' then metric_value end) as views,
        max(case when metric_name = 'post_total_media_view_unique' then metric_value end) as reach,
        max(case when metric_name = 'post_clicks' then metric_value end) as clicks,
        max(case when metric_name = 'post_reactions_by_type_total' then metric_value end)
            as reactions_by_type_total,
        max(extracted_at) as extracted_at,
        max(loaded_at) as loaded_at
    from insights
    group by 1, 2

),

final as (

    select
        'facebook' as platform,
        posts.client_id,
        posts.page_id as account_id,
        posts.post_id,
        posts.snapshot_date,
        posts.extracted_at,
        insights_pivoted.views,
        insights_pivoted.reach,
        posts.reactions_count as reactions,
        posts.comments_count as comments,
        posts.shares_count as shares,
        cast(null as {{ dbt.type_bigint() }}) as saves,
        insights_pivoted.clicks,
        insights_pivoted.extracted_at is not null as has_insights,
        greatest(posts.loaded_at, coalesce(insights_pivoted.loaded_at, posts.loaded_at)) as loaded_at
    from posts
    left join insights_pivoted
        on posts.post_id = insights_pivoted.post_id
        and posts.snapshot_date = insights_pivoted.snapshot_date

)

select * from final
