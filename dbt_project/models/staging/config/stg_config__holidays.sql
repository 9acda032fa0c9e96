with

source as (

    select * from {{ source('config', 'holidays') }}

),

final as (

    select
        client_id,
        holiday as holiday_date
    from source

)

select * from final
