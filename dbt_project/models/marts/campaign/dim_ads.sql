{#- Ads of every ad platform with their ad set, from the conformed union (listings plus ads seen
    only in insight rows), with the account they belong to, the organic post they promote
    (`promoted_post_key`, when that post is one of the client's posts in the warehouse) and
    their landing URL's parts. -#}
with

ads as (

    select * from {{ ref('int_ads') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

posts as (

    select * from {{ ref('int_posts') }}

),

final as (

    select
        {{ surrogate_key(['ads.platform', 'ads.ad_id']) }} as ad_key,
        ads.client_id,
        ads.platform,
        ads.account_id,
        accounts.account_key,
        ads.campaign_id,
        {{ surrogate_key(['ads.platform', 'ads.campaign_id']) }} as campaign_key,
        ads.adset_id,
        ads.adset_name,
        ads.optimization_goal,
        ads.billing_event,
        ads.ad_id,
        ads.ad_name,
        ads.status,
        ads.effective_status,
        ads.created_at,
        ads.creative_id,
        ads.is_in_ad_listing,
        ads.promoted_post_platform,
        ads.promoted_post_id,
        posts.post_key as promoted_post_key,
        ads.destination_url,
        {{ url_columns('ads.destination_url') }}
    from ads
    inner join accounts
        on ads.platform = accounts.platform
        and ads.account_id = accounts.account_id
    left join posts
        on ads.promoted_post_platform = posts.platform
        and ads.promoted_post_id = posts.post_id
        and ads.client_id = posts.client_id

)

select * from final
