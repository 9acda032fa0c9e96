{#-
    One row per X account per run date: X gives the follower count as its current value only
    (no history, no daily views or reach), so `followers` is the count read by the run of that
    date and every daily metric X does not offer is NULL. A day no run read has no row.
-#}
with

users as (

    select * from {{ ref('stg_x__users') }}

),

final as (

    select
        'x' as platform,
        client_id,
        user_id as account_id,
        snapshot_date as date_day,
        followers_count as followers,
        cast(null as {{ dbt.type_bigint() }}) as new_followers,
        cast(null as {{ dbt.type_bigint() }}) as views,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        cast(null as {{ dbt.type_bigint() }}) as engagements,
        cast(null as {{ dbt.type_bigint() }}) as accounts_engaged,
        -- a snapshot, not a day's total: complete as read
        true as is_day_complete,
        'user' as metrics_entity
    from users

)

select * from final
