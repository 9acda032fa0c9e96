with

clients as (

    select * from {{ ref('stg_config__clients') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

account_counts as (

    select
        client_id,
        count(*) as accounts,
        count(case when platform_family = 'organic' then 1 end) as organic_accounts,
        count(case when platform_family = 'ads' then 1 end) as ad_accounts
    from accounts
    group by 1

),

final as (

    select
        clients.client_id,
        clients.client_name,
        array_to_string(clients.languages, ',') as languages,
        clients.timezone,
        clients.reporting_currency,
        coalesce(account_counts.accounts, 0) as accounts,
        coalesce(account_counts.organic_accounts, 0) as organic_accounts,
        coalesce(account_counts.ad_accounts, 0) as ad_accounts
    from clients
    left join account_counts
        on clients.client_id = account_counts.client_id

)

select * from final
