{{ config(materialized='table') }}

{#-
    The client's business hours as instants: one row per opening span per local date, with
    `open_at` / `close_at` in UTC. Each local wall-clock time is converted with the client's
    time zone on that very date, so spans follow DST changes (09:00 in London is 08:00 UTC in
    summer, 09:00 UTC in winter; a 00:00–24:00 span on a DST day lasts 23 or 25 hours).
    Holidays and weekdays without hours have no span.
-#}
with

days as (

    select * from {{ ref('int_business_hours__days') }}

),

business_hours as (

    select * from {{ ref('stg_config__business_hours') }}

),

local_spans as (

    select
        days.client_id,
        days.local_date,
        days.timezone,
        {{ dbt.dateadd('minute', 'business_hours.open_minute', 'cast(days.local_date as ' ~ dbt.type_timestamp() ~ ')') }}  -- noqa: LT05
            as open_local,
        {{ dbt.dateadd('minute', 'business_hours.close_minute', 'cast(days.local_date as ' ~ dbt.type_timestamp() ~ ')') }}  -- noqa: LT05
            as close_local
    from days
    inner join business_hours
        on days.client_id = business_hours.client_id
        and days.iso_weekday = business_hours.iso_weekday
    where not days.is_holiday

),

final as (

    select
        client_id,
        local_date,
        open_local,
        close_local,
        {{ local_to_utc('open_local', 'timezone') }} as open_at,
        {{ local_to_utc('close_local', 'timezone') }} as close_at
    from local_spans

)

select * from final
