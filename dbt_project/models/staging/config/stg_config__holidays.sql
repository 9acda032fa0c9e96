with

source as (

    select * from {{ source('config', 'holidays') }}

),

final as (

    select
        client_id,
        holiday as holiday_date,
        kind as holiday_kind,
        name as holiday_name
    from source

)

select * from final
