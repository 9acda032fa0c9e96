{#- One row per Page per Meta (Pacific) day, from the Page daily insights. -#}
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
        max(case when metric_name = 'page_follows' then metric_value end) as followers,
        max(case when metric_name = 'page_daily_follows_unique' then metric_value end) as new_followers,
        max(case when metric_name = 'page_media_view' then metric_value end) as views,
        max(case when metric_name = 'page_total_media_view_unique' then metric_value end) as reach,
        max(case when metric_name = 'page_post_engagements' then metric_value end) as engagements,
        cast(null as {{ dbt.type_bigint() }}) as accounts_engaged
    from insights
    group by 1, 2, 3, 4

)

select * from final
