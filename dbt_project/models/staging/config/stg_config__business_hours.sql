with

source as (

    select * from {{ source('config', 'business_hours') }}

),

final as (

    select
        client_id,
        iso_weekday,
        open_minute,
        close_minute
    from source

)

select * from final
