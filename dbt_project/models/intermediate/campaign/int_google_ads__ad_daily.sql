{{ config(materialized='table') }}

{#-
    One row per ad per account day in the conformed ad-day shape. Google's levels: campaign >
    ad group (the conformed ad set) > ad. Spend is exact (micros divided as decimals) in the
    account currency, with its code. Conversions are Google's `metrics.conversions`: click-
    through conversions credited to the day of the click within each conversion action's
    window (30 days unless the advertiser changed it: var `google_ads_conversion_window_days`),
    stated in `attribution_window` (`30d_click`). Google reports no reach, link clicks or
    per-action-type counts: those columns are NULL, not zero.
-#}
with

metrics as (

    select * from {{ ref('stg_google_ads__ad_metrics') }}

),

campaigns as (

    select * from {{ ref('stg_google_ads__campaigns') }}

),

ad_groups as (

    select * from {{ ref('stg_google_ads__ad_groups') }}

),

ads as (

    select * from {{ ref('stg_google_ads__ads') }}

),

final as (

    select
        'google_ads' as platform,
        metrics.client_id,
        metrics.account_id,
        metrics.date_day,
        metrics.campaign_id,
        campaigns.campaign_name,
        metrics.ad_group_id as adset_id,
        ad_groups.ad_group_name as adset_name,
        metrics.ad_id,
        ads.ad_name,
        metrics.currency,
        metrics.impressions,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        metrics.clicks,
        cast(null as {{ dbt.type_bigint() }}) as link_clicks,
        metrics.spend,
        metrics.conversions,
        metrics.conversion_value,
        cast(null as decimal(38, 6)) as purchases,
        cast(null as decimal(38, 6)) as leads,
        cast(null as decimal(38, 6)) as landing_page_views,
        cast(null as decimal(38, 6)) as add_to_carts,
        '{{ google_ads_attribution_window() }}' as attribution_window,
        metrics.all_conversions,
        metrics.cost_micros,
        metrics.loaded_at
    from metrics
    left join campaigns
        on metrics.campaign_id = campaigns.campaign_id
    left join ad_groups
        on metrics.ad_group_id = ad_groups.ad_group_id
    left join ads
        on metrics.ad_group_ad = ads.ad_group_ad

)

select * from final
