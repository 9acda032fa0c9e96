{#-
    One row per client and local date, over the dates the comments need (first comment − 1 day
    to last comment or reply + `calendar_horizon_days`, in the client's time zone), with the ISO
    weekday and whether the client is closed for a holiday. The range follows the data, so any
    reply in the warehouse has its calendar, and the newest comment has the days its response
    deadline may fall on (ruche/digest/immediate.py counts them on this calendar).
-#}
with

clients as (

    select * from {{ ref('stg_config__clients') }}

),

holidays as (

    select * from {{ ref('stg_config__holidays') }}

),

comments as (

    select * from {{ ref('int_comments') }}

),

bounds as (

    select
        client_id,
        cast({{ dbt.dateadd('day', -1, 'min(' ~ local_date('created_at', 'client_timezone') ~ ')') }} as date)
            as first_date,
        -- the horizon: the newest comment's response deadline falls in the calendar
        cast({{ dbt.dateadd(
            'day', var('calendar_horizon_days'), 'max(' ~ local_date('created_at', 'client_timezone') ~ ')'
        ) }} as date) as last_date
    from comments
    group by 1

),

day_numbers as (

    -- 0 … 16383: 44 years of days
    select generated_number - 1 as day_offset from ({{ dbt.generate_series(16384) }}) as series

),

days as (

    select
        bounds.client_id,
        cast({{ dbt.dateadd('day', 'day_numbers.day_offset', 'bounds.first_date') }} as date) as local_date
    from bounds
    cross join day_numbers
    where day_numbers.day_offset <= {{ dbt.datediff('bounds.first_date', 'bounds.last_date', 'day') }}

),

final as (

    select
        days.client_id,
        days.local_date,
        cast(extract(isodow from days.local_date) as integer) as iso_weekday,
        holidays.holiday_date is not null as is_holiday,
        clients.timezone
    from days
    inner join clients
        on days.client_id = clients.client_id
    left join holidays
        on days.client_id = holidays.client_id
        and days.local_date = holidays.holiday_date

)

select * from final
