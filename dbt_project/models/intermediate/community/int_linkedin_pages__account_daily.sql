{#-
    One row per LinkedIn organization per UTC day, from the daily share and follower statistics.
    LinkedIn serves a day only once it is 2 days old, so every landed day is complete. Not
    offered by LinkedIn, hence NULL (never 0): the day's closing follower total (only the
    current total, networkSizes, exists: int_accounts), daily reach (no unique impressions for
    DAY intervals) and accounts engaged. `engagements` are reactions + comments + shares, as on
    every platform (LinkedIn's `engagement` rate, which counts clicks, is not used).
-#}
with

shares as (

    select * from {{ ref('stg_linkedin_pages__share_statistics_daily') }}

),

followers as (

    select * from {{ ref('stg_linkedin_pages__follower_statistics_daily') }}

),

days as (

    select
        client_id,
        organization_id,
        date_day
    from shares
    union
    select
        client_id,
        organization_id,
        date_day
    from followers

),

final as (

    select
        'linkedin_pages' as platform,
        days.client_id,
        days.organization_id as account_id,
        days.date_day,
        cast(null as {{ dbt.type_bigint() }}) as followers,
        followers.organic_follower_gain + followers.paid_follower_gain as new_followers,
        shares.impression_count as views,
        shares.unique_impressions_count as reach,
        shares.like_count + shares.comment_count + shares.share_count as engagements,
        cast(null as {{ dbt.type_bigint() }}) as accounts_engaged,
        true as is_day_complete,
        -- the entity whose re-fetch window (config.platform_entities) says when a day is final
        'share_statistics_daily' as metrics_entity
    from days
    left join shares
        on days.organization_id = shares.organization_id
        and days.date_day = shares.date_day
    left join followers
        on days.organization_id = followers.organization_id
        and days.date_day = followers.date_day

)

select * from final
