with

source as (

    select * from {{ source('config', 'fx_rates') }}

),

final as (

    select
        rate_date,
        currency,
        cast(units_per_eur as decimal(18, 6)) as units_per_eur,
        source_name
    from source

)

select * from final
