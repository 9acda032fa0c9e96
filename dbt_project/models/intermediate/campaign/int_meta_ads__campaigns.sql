{#-
    Meta Ads campaigns in the conformed campaign shape: the campaigns listing, plus any
    campaign seen only in insight rows (deleted or archived since). Budgets are converted from
    Meta's minor units with the ad account's currency; `budget_level` says where the budget is
    set (Meta: the campaign when it has one, else its ad sets).
-#}
with

campaigns as (

    select * from {{ ref('stg_meta_ads__campaigns') }}

),

ad_daily as (

    select * from {{ ref('int_meta_ads__ad_daily') }}

),

ad_accounts as (

    select * from {{ ref('int_meta_ads__accounts') }}

),

insight_campaigns as (

    select
        campaign_id,
        account_id,
        client_id,
        max(campaign_name) as campaign_name
    from ad_daily
    group by 1, 2, 3

),

combined as (

    select
        coalesce(campaigns.campaign_id, insight_campaigns.campaign_id) as campaign_id,
        coalesce(campaigns.account_id, insight_campaigns.account_id) as account_id,
        coalesce(campaigns.client_id, insight_campaigns.client_id) as client_id,
        coalesce(campaigns.campaign_name, insight_campaigns.campaign_name) as campaign_name,
        campaigns.objective,
        campaigns.status,
        campaigns.effective_status,
        campaigns.created_at,
        campaigns.start_at,
        campaigns.stop_at,
        campaigns.daily_budget_minor,
        campaigns.lifetime_budget_minor,
        campaigns.campaign_id is not null as is_in_campaign_listing
    from campaigns
    full outer join insight_campaigns
        on campaigns.campaign_id = insight_campaigns.campaign_id

),

final as (

    select
        'meta_ads' as platform,
        combined.client_id,
        combined.account_id,
        combined.campaign_id,
        combined.campaign_name,
        combined.objective,
        combined.status,
        combined.effective_status,
        combined.created_at,
        combined.start_at,
        combined.stop_at,
        {{ meta_major_units('combined.daily_budget_minor', 'ad_accounts.currency') }} as daily_budget,
        {{ meta_major_units('combined.lifetime_budget_minor', 'ad_accounts.currency') }} as lifetime_budget,
        case
            when combined.daily_budget_minor is not null or combined.lifetime_budget_minor is not null
                then 'campaign'
            when combined.is_in_campaign_listing then 'adset'
        end as budget_level,
        combined.is_in_campaign_listing
    from combined
    left join ad_accounts
        on combined.account_id = ad_accounts.account_id

)

select * from final
