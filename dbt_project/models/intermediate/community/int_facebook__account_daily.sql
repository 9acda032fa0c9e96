{#-
    One row per Page per Meta (Pacific) day, from the Page daily insights. A day extracted
    before it ended in Pacific time has no figures (NULL, `is_day_complete` false): Meta reports
    a day under way as zeros or partial counts, which must never read as the day's result.
-#}
with

insights as (

    select * from {{ ref('stg_facebook__page_insights') }}

),

final as (

    select
        'facebook' as platform,
        client_id,
        page_id as account_id,
        metric_date as date_day,
        -- total followers at the end of the day
        max(case when metric_name = 'page_follows' and is_day_complete then metric_value end) as followers,
        max(case when metric_name = 'page_daily_follows_unique' and is_day_complete then metric_value end)
            as new_followers,
        max(case when metric_name = 'page_media_view' and is_day_complete then metric_value end) as views,
        max(case when metric_name = 'page_total_media_view_unique' and is_day_complete then metric_value end) as reach,
        max(case when metric_name = 'page_post_engagements' and is_day_complete then metric_value end) as engagements,
        cast(null as {{ dbt.type_bigint() }}) as accounts_engaged,
        bool_and(is_day_complete) as is_day_complete,
        -- the entity whose re-fetch window (config.platform_entities) says when a day is final
        'page_insights' as metrics_entity
    from insights
    group by 1, 2, 3, 4

)

select * from final
