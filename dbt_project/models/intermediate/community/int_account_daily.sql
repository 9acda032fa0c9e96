{#- Account daily metrics, all organic platforms, with the day-over-day follower change. -#}
with

facebook_daily as (

    select * from {{ ref('int_facebook__account_daily') }}

),

instagram_daily as (

    select * from {{ ref('int_instagram__account_daily') }}

),

unioned as (

    select * from facebook_daily
    union all
    select * from instagram_daily

),

with_previous as (

    select
        *,
        lag(date_day) over (partition by platform, account_id order by date_day) as previous_date,
        lag(followers) over (partition by platform, account_id order by date_day) as previous_followers
    from unioned

),

final as (

    select
        {{ surrogate_key(['platform', 'account_id']) }} as account_key,
        platform,
        client_id,
        account_id,
        date_day,
        followers,
        -- net change since the previous day; NULL when either day's total is unknown
        case
            when previous_date = cast({{ dbt.dateadd('day', -1, 'date_day') }} as date)
                then followers - previous_followers
        end as follower_change,
        new_followers,
        views,
        reach,
        engagements,
        accounts_engaged,
        is_day_complete
    from with_previous

)

select * from final
