{{ config(materialized='table') }}

{#-
    Every configured account, conformed across platforms: its client, its platform's family,
    names, the time zone its platform reports days in (the registry's rule: a fixed zone, or the
    account's own), its currency (ads), its re-fetch window and its latest run date. The
    platform side is the union of every registered platform's `int_<platform>__accounts`.
-#}
with

accounts as (

    select * from {{ ref('stg_config__accounts') }}

),

clients as (

    select * from {{ ref('stg_config__clients') }}

),

platforms as (

    select * from {{ ref('stg_config__platforms') }}

),

platform_accounts as (

    {{ union_platform_models('int_{platform}__accounts') }}

),

final as (

    select
        {{ surrogate_key(['accounts.platform', 'accounts.account_id']) }} as account_key,
        accounts.client_id,
        accounts.platform,
        platforms.platform_family,
        accounts.account_id,
        coalesce(accounts.account_name, platform_accounts.platform_account_name) as account_name,
        platform_accounts.platform_account_name,
        platform_accounts.username,
        platform_accounts.followers_count,
        platform_accounts.currency,
        case
            -- ruche.platforms.ACCOUNT_TIMEZONE: the days are the account's own
            when platforms.reporting_day = 'account'
                then platform_accounts.account_timezone
            else platforms.reporting_day
        end as reporting_timezone,
        clients.timezone as client_timezone,
        clients.reporting_currency,
        accounts.refetch_days,
        platform_accounts.last_run_date
    from accounts
    inner join clients
        on accounts.client_id = clients.client_id
    inner join platforms
        on accounts.platform = platforms.platform
    left join platform_accounts
        on accounts.platform = platform_accounts.platform
        and accounts.account_id = platform_accounts.account_id

)

select * from final
