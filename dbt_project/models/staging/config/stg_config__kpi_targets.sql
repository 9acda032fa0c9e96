with

source as (

    select * from {{ source('config', 'kpi_targets') }}

),

final as (

    select
        client_id,
        kpi,
        target as target_value,
        month as target_month,
        platform
    from source

)

select * from final
