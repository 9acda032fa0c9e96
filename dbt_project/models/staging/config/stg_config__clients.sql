with

source as (

    select * from {{ source('config', 'clients') }}

),

final as (

    select
        client_id,
        display_name as client_name,
        languages,
        timezone,
        reporting_currency
    from source

)

select * from final
