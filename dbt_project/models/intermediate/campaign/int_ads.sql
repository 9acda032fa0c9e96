{#- Every ad platform's ads, with their ad set, in one conformed shape (the marts read only this). -#}
with

unioned as (

    {{ union_platform_models('int_{platform}__ads', family='ads', columns=[
        'platform', 'client_id', 'account_id', 'campaign_id', 'adset_id', 'adset_name',
        'optimization_goal', 'billing_event', 'ad_id', 'ad_name', 'status', 'effective_status',
        'created_at', 'creative_id', 'is_in_ad_listing',
    ]) }}

)

select * from unioned
