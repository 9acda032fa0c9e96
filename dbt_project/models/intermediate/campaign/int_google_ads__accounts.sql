{#-
    One row per Google Ads account seen in the raw data, in the shared account shape: its latest
    customer snapshot's name, currency and time zone (`customer.time_zone`: the account's days),
    and the last run date seen in its snapshots or metric days.
-#}
with

customers as (

    select * from {{ ref('stg_google_ads__customers') }}

),

ad_daily as (

    select * from {{ ref('int_google_ads__ad_daily') }}

),

latest as (

    select * from customers
    qualify row_number() over (partition by account_id order by snapshot_date desc) = 1

),

run_dates as (

    select
        account_id,
        max(snapshot_date) as last_run_date
    from customers
    group by 1
    union all
    select
        account_id,
        max(date_day) as last_run_date
    from ad_daily
    group by 1

),

last_runs as (

    select
        account_id,
        max(last_run_date) as last_run_date
    from run_dates
    group by 1

),

final as (

    select
        'google_ads' as platform,
        last_runs.account_id,
        latest.account_name as platform_account_name,
        cast(null as {{ dbt.type_string() }}) as username,
        cast(null as {{ dbt.type_bigint() }}) as followers_count,
        latest.currency,
        latest.timezone as account_timezone,
        last_runs.last_run_date
    from last_runs
    left join latest
        on last_runs.account_id = latest.account_id

)

select * from final
