with

accounts as (

    select * from {{ ref('int_accounts') }}

),

final as (

    select
        account_key,
        client_id,
        platform,
        account_id,
        account_name,
        platform_account_name,
        username,
        followers_count,
        currency,
        reporting_timezone,
        client_timezone,
        refetch_days,
        last_run_date
    from accounts

)

select * from final
