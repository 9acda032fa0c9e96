{#- Google Ads ad groups in the conformed ad-set shape (the level between campaign and ad; Meta's
    ad set, LinkedIn's campaign). Google sets budgets on campaigns, not ad groups. -#}
with

ad_groups as (

    select * from {{ ref('stg_google_ads__ad_groups') }}

),

final as (

    select
        'google_ads' as platform,
        client_id,
        account_id,
        campaign_id,
        ad_group_id as adset_id,
        ad_group_name as adset_name,
        status,
        status as effective_status,
        ad_group_type as optimization_goal,
        cast(null as {{ dbt.type_string() }}) as billing_event,
        cast(null as timestamp with time zone) as created_at,
        cast(null as decimal(38, 6)) as daily_budget,
        cast(null as decimal(38, 6)) as lifetime_budget
    from ad_groups

)

select * from final
