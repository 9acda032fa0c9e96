{#- Campaigns of every ad platform, from the conformed union (listings plus campaigns seen only
    in insight rows), with the account they belong to. -#}
with

campaigns as (

    select * from {{ ref('int_campaigns') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

final as (

    select
        {{ surrogate_key(['campaigns.platform', 'campaigns.campaign_id']) }} as campaign_key,
        campaigns.client_id,
        campaigns.platform,
        campaigns.account_id,
        accounts.account_key,
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.objective,
        campaigns.status,
        campaigns.effective_status,
        campaigns.created_at,
        campaigns.start_at,
        campaigns.stop_at,
        accounts.currency,
        -- money: exact, whatever type a platform's model gives (the contract holds it)
        cast(campaigns.daily_budget as {{ money_type() }}) as daily_budget,
        cast(campaigns.lifetime_budget as {{ money_type() }}) as lifetime_budget,
        campaigns.budget_level,
        campaigns.is_in_campaign_listing
    from campaigns
    inner join accounts
        on campaigns.platform = accounts.platform
        and campaigns.account_id = accounts.account_id

)

select * from final
