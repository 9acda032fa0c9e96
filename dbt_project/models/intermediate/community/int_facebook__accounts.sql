{#-
    One row per Facebook Page seen in the raw data, in the shared account shape: its latest
    snapshot's names and followers, and the last run date seen in any of its entities (a failed
    account keeps an older one).
-#}
with

pages as (

    select * from {{ ref('stg_facebook__pages') }}

),

posts as (

    select * from {{ ref('stg_facebook__posts') }}

),

latest as (

    select * from pages
    qualify row_number() over (partition by page_id order by snapshot_date desc) = 1

),

run_dates as (

    select
        page_id,
        max(snapshot_date) as last_run_date
    from posts
    group by 1
    union all
    select
        page_id,
        max(snapshot_date) as last_run_date
    from pages
    group by 1

),

last_runs as (

    select
        page_id,
        max(last_run_date) as last_run_date
    from run_dates
    group by 1

),

final as (

    select
        'facebook' as platform,
        last_runs.page_id as account_id,
        latest.page_name as platform_account_name,
        cast(null as {{ dbt.type_string() }}) as username,
        latest.followers_count,
        cast(null as {{ dbt.type_string() }}) as currency,
        -- Pages report in Meta's day (config.platforms), not an account time zone
        cast(null as {{ dbt.type_string() }}) as account_timezone,
        last_runs.last_run_date
    from last_runs
    left join latest
        on last_runs.page_id = latest.page_id

)

select * from final
