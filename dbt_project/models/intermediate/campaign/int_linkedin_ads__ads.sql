{#- LinkedIn creatives in the conformed ad shape (LinkedIn's creative is Ruche's ad; its
    campaign the ad set): the creatives listing, plus any creative seen only in ad days.
    Sponsored Content promotes an organization post: `promoted_post_platform` is LinkedIn
    Pages and `promoted_post_id` the share or ugcPost URN, the LinkedIn Pages `post_id` (a dark
    post matches no organic post). A text ad's landing page is the `destination_url` (dim_ads
    parses its host, path and UTM tags). -#}
with

creatives as (

    select * from {{ ref('stg_linkedin_ads__creatives') }}

),

campaigns as (

    select * from {{ ref('stg_linkedin_ads__campaigns') }}

),

ad_daily as (

    select * from {{ ref('int_linkedin_ads__ad_daily') }}

),

metric_ads as (

    select
        ad_id,
        account_id,
        client_id,
        max(adset_id) as adset_id,
        max(campaign_id) as campaign_id
    from ad_daily
    group by 1, 2, 3

),

combined as (

    select
        coalesce(creatives.creative_id, metric_ads.ad_id) as ad_id,
        coalesce(creatives.account_id, metric_ads.account_id) as account_id,
        coalesce(creatives.client_id, metric_ads.client_id) as client_id,
        coalesce(creatives.campaign_id, metric_ads.adset_id) as adset_id,
        creatives.creative_name as ad_name,
        creatives.status,
        creatives.created_at,
        creatives.sponsored_post_urn,
        creatives.landing_page_url,
        creatives.creative_id is not null as is_in_ad_listing,
        metric_ads.campaign_id as metric_campaign_id
    from creatives
    full outer join metric_ads
        on creatives.creative_id = metric_ads.ad_id

),

final as (

    select
        'linkedin_ads' as platform,
        combined.client_id,
        combined.account_id,
        coalesce(campaigns.campaign_group_id, combined.metric_campaign_id) as campaign_id,
        combined.adset_id,
        campaigns.campaign_name as adset_name,
        campaigns.objective_type as optimization_goal,
        campaigns.cost_type as billing_event,
        combined.ad_id,
        combined.ad_name,
        combined.status,
        combined.status as effective_status,
        combined.created_at,
        combined.ad_id as creative_id,
        combined.is_in_ad_listing,
        case when combined.sponsored_post_urn is not null then 'linkedin_pages' end as promoted_post_platform,
        combined.sponsored_post_urn as promoted_post_id,
        combined.landing_page_url as destination_url
    from combined
    left join campaigns
        on combined.adset_id = campaigns.campaign_id

)

select * from final
