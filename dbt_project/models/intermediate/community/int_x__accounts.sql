{#-
    One row per X account seen in the raw data, in the shared account shape: its latest
    snapshot's names and followers, and the last run date seen in any of its entities.
-#}
with

users as (

    select * from {{ ref('stg_x__users') }}

),

posts as (

    select * from {{ ref('stg_x__posts') }}

),

latest as (

    select * from users
    qualify row_number() over (partition by user_id order by snapshot_date desc) = 1

),

run_dates as (

    select
        user_id,
        max(snapshot_date) as last_run_date
    from posts
    group by 1
    union all
    select
        user_id,
        max(snapshot_date) as last_run_date
    from users
    group by 1

),

last_runs as (

    select
        user_id,
        max(last_run_date) as last_run_date
    from run_dates
    group by 1

),

final as (

    select
        'x' as platform,
        last_runs.user_id as account_id,
        latest.display_name as platform_account_name,
        latest.username,
        latest.followers_count,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as account_timezone,
        last_runs.last_run_date
    from last_runs
    left join latest
        on last_runs.user_id = latest.user_id

)

select * from final
