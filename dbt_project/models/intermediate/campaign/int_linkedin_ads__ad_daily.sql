{{ config(materialized='table') }}

{#-
    One row per creative per UTC day in the conformed ad-day shape. LinkedIn's levels, mapped
    explicitly: campaign group → Ruche campaign, campaign → ad set, creative → ad. Spend and
    conversion value are exact decimals in the ad account's currency (`costInLocalCurrency`,
    the account's `currency`). Conversions are `externalWebsiteConversions`: post-click plus
    post-view conversions credited to the day of the ad interaction within LinkedIn's default
    windows (30 days after a click, 7 after a view), stated in `attribution_window`
    (`30d_click_7d_view`). `link_clicks` are landing-page clicks and `leads` Lead Gen Form
    leads (`oneClickLeads`); LinkedIn reports no daily reach per creative: NULL, not zero.
-#}
with

analytics as (

    select * from {{ ref('stg_linkedin_ads__ad_analytics') }}

),

accounts as (

    select * from {{ ref('stg_linkedin_ads__ad_accounts') }}

),

creatives as (

    select * from {{ ref('stg_linkedin_ads__creatives') }}

),

campaigns as (

    select * from {{ ref('stg_linkedin_ads__campaigns') }}

),

campaign_groups as (

    select * from {{ ref('stg_linkedin_ads__campaign_groups') }}

),

latest_accounts as (

    select
        account_id,
        currency
    from accounts
    qualify row_number() over (partition by account_id order by snapshot_date desc) = 1

),

final as (

    select
        'linkedin_ads' as platform,
        analytics.client_id,
        analytics.account_id,
        analytics.date_day,
        campaigns.campaign_group_id as campaign_id,
        campaign_groups.campaign_group_name as campaign_name,
        creatives.campaign_id as adset_id,
        campaigns.campaign_name as adset_name,
        analytics.creative_id as ad_id,
        creatives.creative_name as ad_name,
        latest_accounts.currency,
        analytics.impressions,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        analytics.clicks,
        analytics.landing_page_clicks as link_clicks,
        analytics.spend,
        analytics.conversions,
        analytics.conversion_value,
        cast(null as decimal(38, 6)) as purchases,
        analytics.leads,
        cast(null as decimal(38, 6)) as landing_page_views,
        cast(null as decimal(38, 6)) as add_to_carts,
        '{{ linkedin_ads_attribution_window() }}' as attribution_window,
        analytics.post_click_conversions,
        analytics.post_view_conversions,
        analytics.spend_usd,
        analytics.loaded_at
    from analytics
    left join latest_accounts
        on analytics.account_id = latest_accounts.account_id
    left join creatives
        on analytics.creative_id = creatives.creative_id
    left join campaigns
        on creatives.campaign_id = campaigns.campaign_id
    left join campaign_groups
        on campaigns.campaign_group_id = campaign_groups.campaign_group_id

)

select * from final
