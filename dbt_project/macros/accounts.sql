{#-
    The shared account shape (int_accounts) for platforms whose account is one snapshotted
    entity: its latest snapshot, plus the last run date seen in that entity or a second one.
    Each platform's int_<p>__accounts calls one of these with its own models and columns.
-#}

{#- An ad account: its latest snapshot's name, currency and time zone (the account's days);
    the last run date from its snapshots or its ad days (`ad_daily_model`, `date_day`). -#}
{% macro ad_account_rows(platform, accounts_model, ad_daily_model) -%}
with

accounts as (

    select * from {{ ref(accounts_model) }}

),

ad_daily as (

    select * from {{ ref(ad_daily_model) }}

),

latest as (

    select * from accounts
    qualify row_number() over (partition by account_id order by snapshot_date desc) = 1

),

run_dates as (

    select
        account_id,
        max(snapshot_date) as last_run_date
    from accounts
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
        '{{ platform }}' as platform,
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
{%- endmacro %}


{#- An organic account (a user snapshot with names and followers): its latest snapshot, and the
    last run date from its content snapshots (`content_model`) or its user snapshots. `id` is
    the account id column both models carry. -#}
{% macro user_account_rows(platform, users_model, content_model, id) -%}
with

users as (

    select * from {{ ref(users_model) }}

),

content as (

    select * from {{ ref(content_model) }}

),

latest as (

    select * from users
    qualify row_number() over (partition by {{ id }} order by snapshot_date desc) = 1

),

run_dates as (

    select
        {{ id }},
        max(snapshot_date) as last_run_date
    from content
    group by 1
    union all
    select
        {{ id }},
        max(snapshot_date) as last_run_date
    from users
    group by 1

),

last_runs as (

    select
        {{ id }},
        max(last_run_date) as last_run_date
    from run_dates
    group by 1

),

final as (

    select
        '{{ platform }}' as platform,
        last_runs.{{ id }} as account_id,
        latest.display_name as platform_account_name,
        latest.username,
        latest.followers_count,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as account_timezone,
        last_runs.last_run_date
    from last_runs
    left join latest
        on last_runs.{{ id }} = latest.{{ id }}

)

select * from final
{%- endmacro %}
