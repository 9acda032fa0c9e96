{#- Meta Ads ad sets in the conformed ad-set shape (Meta's ad set is the level between campaign
    and ad: LinkedIn's campaign, Google's and TikTok's ad group, Snapchat's ad squad). -#}
with

adsets as (

    select * from {{ ref('stg_meta_ads__adsets') }}

),

ad_accounts as (

    select * from {{ ref('int_meta_ads__accounts') }}

),

final as (

    select
        'meta_ads' as platform,
        adsets.client_id,
        adsets.account_id,
        adsets.campaign_id,
        adsets.adset_id,
        adsets.adset_name,
        adsets.status,
        adsets.effective_status,
        adsets.optimization_goal,
        adsets.billing_event,
        adsets.created_at,
        {{ meta_major_units('adsets.daily_budget_minor', 'ad_accounts.currency') }} as daily_budget,
        {{ meta_major_units('adsets.lifetime_budget_minor', 'ad_accounts.currency') }} as lifetime_budget
    from adsets
    left join ad_accounts
        on adsets.account_id = ad_accounts.account_id

)

select * from final
