with

source as (

    select * from {{ source('config', 'accounts') }}

),

final as (

    select
        client_id,
        platform,
        -- Meta Ads account ids are stored without the `act_` prefix, as the insights rows give them.
        account_id,
        account_name,
        refetch_days as refetch_days_override,
        {{ refetch_days('platform', 'refetch_days') }} as refetch_days
    from source

)

select * from final
