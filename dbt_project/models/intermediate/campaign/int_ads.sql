{#- Every ad platform's ads, with their ad set, in one conformed shape (the marts read only this).
    Optional columns a platform fills when its API exposes them (NULL otherwise):
    `promoted_post_platform` / `promoted_post_id`, the organic post the ad promotes, as the
    organic platform's `post_id`; `destination_url`, the landing URL with its query (UTM)
    tags as clicked. -#}
with

unioned as (

    {{ union_platform_models('int_{platform}__ads', family='ads', columns=[
        'platform', 'client_id', 'account_id', 'campaign_id', 'adset_id', 'adset_name',
        'optimization_goal', 'billing_event', 'ad_id', 'ad_name', 'status', 'effective_status',
        'created_at', 'creative_id', 'is_in_ad_listing',
    ], optional_columns={
        'promoted_post_platform': dbt.type_string(),
        'promoted_post_id': dbt.type_string(),
        'destination_url': dbt.type_string(),
    }) }}

)

select * from unioned
