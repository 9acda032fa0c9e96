{#- Account daily metrics, all organic platforms, with the day-over-day follower change. -#}
with

-- every organic platform of the registry (config.platforms), never a hand-written list
unioned as (

    {{ union_platform_models('int_{platform}__account_daily', family='organic') }}

),

entities as (

    select * from {{ ref('stg_config__platform_entities') }}

),

with_previous as (

    select
        unioned.*,
        entities.refetch_days,
        lag(unioned.date_day)
            over (partition by unioned.platform, unioned.account_id order by unioned.date_day)
            as previous_date,
        lag(unioned.followers)
            over (partition by unioned.platform, unioned.account_id order by unioned.date_day)
            as previous_followers
    from unioned
    left join entities
        on unioned.platform = entities.platform
        and unioned.metrics_entity = entities.entity

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
        is_day_complete,
        -- days re-read before each run's window: a day is final once outside it
        refetch_days
    from with_previous

)

select * from final
