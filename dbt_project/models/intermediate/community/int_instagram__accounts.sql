{#-
    One row per Instagram account seen in the raw data, in the shared account shape: its latest
    snapshot's names and followers, and the last run date seen in any of its entities.
-#}
with

users as (

    select * from {{ ref('stg_instagram__users') }}

),

media as (

    select * from {{ ref('stg_instagram__media') }}

),

latest as (

    select * from users
    qualify row_number() over (partition by ig_user_id order by snapshot_date desc) = 1

),

run_dates as (

    select
        ig_user_id,
        max(snapshot_date) as last_run_date
    from media
    group by 1
    union all
    select
        ig_user_id,
        max(snapshot_date) as last_run_date
    from users
    group by 1

),

last_runs as (

    select
        ig_user_id,
        max(last_run_date) as last_run_date
    from run_dates
    group by 1

),

final as (

    select
        'instagram' as platform,
        last_runs.ig_user_id as account_id,
        latest.display_name as platform_account_name,
        latest.username,
        latest.followers_count,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as account_timezone,
        last_runs.last_run_date
    from last_runs
    left join latest
        on last_runs.ig_user_id = latest.ig_user_id

)

select * from final
