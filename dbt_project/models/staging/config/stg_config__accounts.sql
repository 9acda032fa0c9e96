with

source as (

    select * from {{ source('config', 'accounts') }}

),

platforms as (

    select * from {{ ref('stg_config__platforms') }}

),

final as (

    select
        source.client_id,
        source.platform,
        platforms.platform_family,
        -- Meta Ads account ids are stored without the `act_` prefix, as the insights rows give them.
        source.account_id,
        source.account_name,
        source.refetch_days as refetch_days_override,
        -- the account's own window, else its platform's default (registry)
        coalesce(source.refetch_days, platforms.refetch_days) as refetch_days
    from source
    left join platforms
        on source.platform = platforms.platform

)

select * from final
