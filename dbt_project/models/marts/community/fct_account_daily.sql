with

daily as (

    select * from {{ ref('int_account_daily') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

final as (

    select
        {{ surrogate_key(['daily.account_key', 'daily.date_day']) }} as account_daily_key,
        daily.account_key,
        daily.date_day,
        accounts.reporting_timezone as date_timezone,
        daily.client_id,
        daily.platform,
        daily.account_id,
        daily.followers,
        daily.follower_change,
        daily.new_followers,
        daily.views,
        daily.reach,
        daily.engagements,
        daily.accounts_engaged,
        coalesce(daily.is_day_complete, false) as is_day_complete,
        -- daily metrics are re-read the platform's window back (config.platform_entities)
        daily.date_day < cast(
            {{ dbt.dateadd('day', '-daily.refetch_days', 'accounts.last_run_date') }} as date
        ) as is_final
    from daily
    inner join accounts
        on daily.platform = accounts.platform
        and daily.account_id = accounts.account_id

)

select * from final
