{#- Ads of every ad platform with their ad set, from the conformed union (listings plus ads seen
    only in insight rows), with the account they belong to. -#}
with

ads as (

    select * from {{ ref('int_ads') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

final as (

    select
        {{ surrogate_key(['ads.platform', 'ads.ad_id']) }} as ad_key,
        ads.client_id,
        ads.platform,
        ads.account_id,
        accounts.account_key,
        ads.campaign_id,
        {{ surrogate_key(['ads.platform', 'ads.campaign_id']) }} as campaign_key,
        ads.adset_id,
        ads.adset_name,
        ads.optimization_goal,
        ads.billing_event,
        ads.ad_id,
        ads.ad_name,
        ads.status,
        ads.effective_status,
        ads.created_at,
        ads.creative_id,
        ads.is_in_ad_listing
    from ads
    inner join accounts
        on ads.platform = accounts.platform
        and ads.account_id = accounts.account_id

)

select * from final
