{#-
    LinkedIn campaign groups in the conformed campaign shape (LinkedIn's campaign group is
    Ruche's campaign; LinkedIn's campaign is the ad set, see int_linkedin_ads__adsets): the
    campaign group listing, plus any group seen only in ad days. LinkedIn sets daily budgets
    on campaigns (the ad-set level) and an optional total budget on the group, kept as the
    lifetime budget (`budget_level` campaign when set). A group has no objective (its
    campaigns do).
-#}
with

campaign_groups as (

    select * from {{ ref('stg_linkedin_ads__campaign_groups') }}

),

ad_daily as (

    select * from {{ ref('int_linkedin_ads__ad_daily') }}

),

metric_groups as (

    select
        campaign_id,
        account_id,
        client_id
    from ad_daily
    where campaign_id is not null
    group by 1, 2, 3

),

final as (

    select
        'linkedin_ads' as platform,
        coalesce(campaign_groups.client_id, metric_groups.client_id) as client_id,
        coalesce(campaign_groups.account_id, metric_groups.account_id) as account_id,
        coalesce(campaign_groups.campaign_group_id, metric_groups.campaign_id) as campaign_id,
        campaign_groups.campaign_group_name as campaign_name,
        cast(null as {{ dbt.type_string() }}) as objective,
        campaign_groups.status,
        campaign_groups.status as effective_status,
        cast(null as timestamp with time zone) as created_at,
        campaign_groups.start_at,
        campaign_groups.stop_at,
        cast(null as decimal(38, 6)) as daily_budget,
        campaign_groups.total_budget as lifetime_budget,
        case when campaign_groups.total_budget is not null then 'campaign' end as budget_level,
        campaign_groups.campaign_group_id is not null as is_in_campaign_listing
    from campaign_groups
    full outer join metric_groups
        on campaign_groups.campaign_group_id = metric_groups.campaign_id

)

select * from final
