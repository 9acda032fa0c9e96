{#- Google Ads ads (ad group ads) in the conformed ad shape, with their ad group: the ads
    listing, plus any ad seen only in metric rows (removed since). `creative_id` is the ad id
    (a Google ad is its own creative); its first final URL is kept in staging. -#}
with

ads as (

    select * from {{ ref('stg_google_ads__ads') }}

),

ad_groups as (

    select * from {{ ref('stg_google_ads__ad_groups') }}

),

ad_daily as (

    select * from {{ ref('int_google_ads__ad_daily') }}

),

metric_ads as (

    select
        ad_id,
        account_id,
        client_id,
        max(adset_id) as ad_group_id,
        max(campaign_id) as campaign_id
    from ad_daily
    group by 1, 2, 3

),

combined as (

    select
        coalesce(ads.ad_id, metric_ads.ad_id) as ad_id,
        coalesce(ads.account_id, metric_ads.account_id) as account_id,
        coalesce(ads.client_id, metric_ads.client_id) as client_id,
        coalesce(ads.campaign_id, metric_ads.campaign_id) as campaign_id,
        coalesce(ads.ad_group_id, metric_ads.ad_group_id) as ad_group_id,
        ads.ad_name,
        ads.status,
        ads.ad_id is not null as is_in_ad_listing
    from ads
    full outer join metric_ads
        on ads.ad_id = metric_ads.ad_id
        and ads.ad_group_id = metric_ads.ad_group_id

),

final as (

    select
        'google_ads' as platform,
        combined.client_id,
        combined.account_id,
        combined.campaign_id,
        combined.ad_group_id as adset_id,
        ad_groups.ad_group_name as adset_name,
        ad_groups.ad_group_type as optimization_goal,
        cast(null as {{ dbt.type_string() }}) as billing_event,
        combined.ad_id,
        combined.ad_name,
        combined.status,
        combined.status as effective_status,
        cast(null as timestamp with time zone) as created_at,
        combined.ad_id as creative_id,
        combined.is_in_ad_listing
    from combined
    left join ad_groups
        on combined.ad_group_id = ad_groups.ad_group_id

)

select * from final
