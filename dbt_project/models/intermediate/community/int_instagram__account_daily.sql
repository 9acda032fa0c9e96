{#-
    One row per IG account per Meta (Pacific) day. Instagram gives no daily follower total:
    `followers` is the account node's `followers_count` read by the run of that logical date
    (NULL on days no run read it); `new_followers` is the `follower_count` metric (new follows,
    not net of unfollows). A day extracted before it ended in Pacific time has no metrics
    (NULL, `is_day_complete` false): Meta answers a day under way with zeros.
-#}
with

insights as (

    select * from {{ ref('stg_instagram__user_insights') }}

),

users as (

    select * from {{ ref('stg_instagram__users') }}

),

metrics as (

    select
        client_id,
        ig_user_id as account_id,
        metric_date as date_day,
        max(case when metric_name = 'follower_count' and is_day_complete then metric_value end) as new_followers,
        max(case when metric_name = 'views' and is_day_complete then metric_value end) as views,
        max(case when metric_name = 'reach' and is_day_complete then metric_value end) as reach,
        max(case when metric_name = 'total_interactions' and is_day_complete then metric_value end) as engagements,
        max(case when metric_name = 'accounts_engaged' and is_day_complete then metric_value end) as accounts_engaged,
        bool_and(is_day_complete) as is_day_complete
    from insights
    group by 1, 2, 3

),

followers as (

    select
        client_id,
        ig_user_id as account_id,
        snapshot_date as date_day,
        followers_count as followers
    from users

),

final as (

    select
        'instagram' as platform,
        coalesce(metrics.client_id, followers.client_id) as client_id,
        coalesce(metrics.account_id, followers.account_id) as account_id,
        coalesce(metrics.date_day, followers.date_day) as date_day,
        followers.followers,
        metrics.new_followers,
        metrics.views,
        metrics.reach,
        metrics.engagements,
        metrics.accounts_engaged,
        coalesce(metrics.is_day_complete, false) as is_day_complete,
        -- the entity whose re-fetch window (config.platform_entities) says when a day is final
        'user_insights' as metrics_entity
    from metrics
    full outer join followers
        on metrics.account_id = followers.account_id
        and metrics.date_day = followers.date_day

)

select * from final
