{#-
    One row per LinkedIn organization seen in the raw data, in the shared account shape: its
    latest follower count (networkSizes) and the last run date seen.
-#}
with

network_sizes as (

    select * from {{ ref('stg_linkedin_pages__network_sizes') }}

),

posts as (

    select * from {{ ref('stg_linkedin_pages__posts') }}

),

latest as (

    select * from network_sizes
    qualify row_number() over (partition by organization_id order by snapshot_date desc) = 1

),

run_dates as (

    select
        organization_id,
        max(snapshot_date) as last_run_date
    from posts
    group by 1
    union all
    select
        organization_id,
        max(snapshot_date) as last_run_date
    from network_sizes
    group by 1

),

last_runs as (

    select
        organization_id,
        max(last_run_date) as last_run_date
    from run_dates
    group by 1

),

final as (

    select
        'linkedin_pages' as platform,
        last_runs.organization_id as account_id,
        -- the API gives no page name here: the configured name is used (int_accounts)
        cast(null as {{ dbt.type_string() }}) as platform_account_name,
        cast(null as {{ dbt.type_string() }}) as username,
        latest.followers_count,
        cast(null as {{ dbt.type_string() }}) as currency,
        -- LinkedIn's days are UTC (config.platforms), not an account time zone
        cast(null as {{ dbt.type_string() }}) as account_timezone,
        last_runs.last_run_date
    from last_runs
    left join latest
        on last_runs.organization_id = latest.organization_id

)

select * from final
