{#- LinkedIn campaigns in the conformed ad-set shape: LinkedIn's campaign is the level between
    the campaign group (Ruche's campaign) and the creative (Ruche's ad), where budget, bid and
    targeting live, as on a Meta ad set. The objective and cost type stand for the
    optimisation goal and billing event. -#}
with

campaigns as (

    select * from {{ ref('stg_linkedin_ads__campaigns') }}

),

final as (

    select
        'linkedin_ads' as platform,
        client_id,
        account_id,
        campaign_group_id as campaign_id,
        campaign_id as adset_id,
        campaign_name as adset_name,
        status,
        status as effective_status,
        objective_type as optimization_goal,
        cost_type as billing_event,
        cast(null as timestamp with time zone) as created_at,
        daily_budget,
        cast(null as decimal(38, 6)) as lifetime_budget
    from campaigns

)

select * from final
