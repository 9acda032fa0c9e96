{#- Every ad platform's ad sets (the level between campaign and ad, whatever the platform calls
    it: see the level mapping in _campaign__models.yml) in one conformed shape. -#}
with

unioned as (

    {{ union_platform_models('int_{platform}__adsets', family='ads', columns=[
        'platform', 'client_id', 'account_id', 'campaign_id', 'adset_id', 'adset_name',
        'status', 'effective_status', 'optimization_goal', 'billing_event', 'created_at',
        'daily_budget', 'lifetime_budget',
    ]) }}

)

select * from unioned
