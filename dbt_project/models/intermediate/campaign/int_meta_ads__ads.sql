{#- Meta Ads ads in the conformed ad shape, with their ad set: the ads listing, plus any ad seen
    only in insight rows (deleted or archived since). -#}
with

ads as (

    select * from {{ ref('stg_meta_ads__ads') }}

),

adsets as (

    select * from {{ ref('int_meta_ads__adsets') }}

),

ad_daily as (

    select * from {{ ref('int_meta_ads__ad_daily') }}

),

insight_ads as (

    select
        ad_id,
        account_id,
        client_id,
        max(ad_name) as ad_name,
        max(adset_id) as adset_id,
        max(adset_name) as adset_name,
        max(campaign_id) as campaign_id
    from ad_daily
    group by 1, 2, 3

),

combined as (

    select
        coalesce(ads.ad_id, insight_ads.ad_id) as ad_id,
        coalesce(ads.account_id, insight_ads.account_id) as account_id,
        coalesce(ads.client_id, insight_ads.client_id) as client_id,
        coalesce(ads.campaign_id, insight_ads.campaign_id) as campaign_id,
        coalesce(ads.adset_id, insight_ads.adset_id) as adset_id,
        coalesce(ads.ad_name, insight_ads.ad_name) as ad_name,
        ads.status,
        ads.effective_status,
        ads.created_at,
        ads.creative_id,
        ads.object_story_id,
        ads.effective_object_story_id,
        ads.source_instagram_media_id,
        ads.link_url,
        ads.url_tags,
        ads.ad_id is not null as is_in_ad_listing,
        insight_ads.adset_name as insight_adset_name
    from ads
    full outer join insight_ads
        on ads.ad_id = insight_ads.ad_id

),

final as (

    select
        'meta_ads' as platform,
        combined.client_id,
        combined.account_id,
        combined.campaign_id,
        combined.adset_id,
        coalesce(adsets.adset_name, combined.insight_adset_name) as adset_name,
        adsets.optimization_goal,
        adsets.billing_event,
        combined.ad_id,
        combined.ad_name,
        combined.status,
        combined.effective_status,
        combined.created_at,
        combined.creative_id,
        combined.is_in_ad_listing,
        -- the post the ad promotes, first match wins: an existing Instagram media it boosts
        -- (`source_instagram_media_id`, the organic media id; such an ad also has a Page post
        -- for Facebook placements in `effective_object_story_id`, made for the ad, which no
        -- organic post matches); else the existing Page post it boosts (`object_story_id`);
        -- else the Page post it runs as (`effective_object_story_id`: a dark post's id matches
        -- no organic post). `effective_instagram_media_id` is the ad's own media, never the
        -- organic one (Marketing API, Instagram post moderation guide)
        case
            when combined.source_instagram_media_id is not null then 'instagram'
            when coalesce(combined.object_story_id, combined.effective_object_story_id) is not null
                then 'facebook'
        end as promoted_post_platform,
        coalesce(
            combined.source_instagram_media_id,
            combined.object_story_id,
            combined.effective_object_story_id
        ) as promoted_post_id,
        coalesce(
            combined.source_instagram_media_id, combined.object_story_id
        ) is not null as is_existing_post_promoted,
        -- Meta appends url_tags to the links clicked
        {{ append_query('combined.link_url', 'combined.url_tags') }} as destination_url
    from combined
    left join adsets
        on combined.adset_id = adsets.adset_id

)

select * from final
