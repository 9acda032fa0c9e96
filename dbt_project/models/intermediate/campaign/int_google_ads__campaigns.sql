{#-
    Google Ads campaigns in the conformed campaign shape: the campaigns listing, plus any
    campaign seen only in metric rows (removed since). `objective` is the advertising channel
    type (SEARCH, PERFORMANCE_MAX…), the nearest Google has; the budget is the campaign's daily
    budget (`campaign_budget.amount_micros`, exact), so `budget_level` is `campaign`.
-#}
with

campaigns as (

    select * from {{ ref('stg_google_ads__campaigns') }}

),

ad_daily as (

    select * from {{ ref('int_google_ads__ad_daily') }}

),

metric_campaigns as (

    select
        campaign_id,
        account_id,
        client_id
    from ad_daily
    group by 1, 2, 3

),

final as (

    select
        'google_ads' as platform,
        coalesce(campaigns.client_id, metric_campaigns.client_id) as client_id,
        coalesce(campaigns.account_id, metric_campaigns.account_id) as account_id,
        coalesce(campaigns.campaign_id, metric_campaigns.campaign_id) as campaign_id,
        campaigns.campaign_name,
        campaigns.channel_type as objective,
        campaigns.status,
        campaigns.status as effective_status,
        cast(null as timestamp with time zone) as created_at,
        cast(null as timestamp with time zone) as start_at,
        cast(null as timestamp with time zone) as stop_at,
        campaigns.daily_budget,
        cast(null as decimal(38, 6)) as lifetime_budget,
        case when campaigns.daily_budget is not null then 'campaign' end as budget_level,
        campaigns.campaign_id is not null as is_in_campaign_listing
    from campaigns
    full outer join metric_campaigns
        on campaigns.campaign_id = metric_campaigns.campaign_id

)

select * from final
