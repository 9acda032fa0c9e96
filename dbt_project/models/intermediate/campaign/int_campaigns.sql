{#- Every ad platform's campaigns in one conformed shape (the marts read only this). -#}
with

unioned as (

    {{ union_platform_models('int_{platform}__campaigns', family='ads', columns=[
        'platform', 'client_id', 'account_id', 'campaign_id', 'campaign_name', 'objective',
        'status', 'effective_status', 'created_at', 'start_at', 'stop_at', 'daily_budget',
        'lifetime_budget', 'budget_level', 'is_in_campaign_listing',
    ]) }}

)

select * from unioned
