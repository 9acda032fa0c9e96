with

source as (

    select * from {{ source('raw_meta_ads', 'ads') }}

),

final as (

    select
        {{ json_text('id') }} as ad_id,
        _account_id as account_id,
        _client_id as client_id,
        {{ json_text('campaign_id') }} as campaign_id,
        {{ json_text('adset_id') }} as adset_id,
        {{ json_text('name') }} as ad_name,
        {{ json_text('status') }} as status,
        {{ json_text('effective_status') }} as effective_status,
        {{ graph_timestamp("record ->> 'created_time'") }} as created_at,
        record -> 'creative' ->> 'id' as creative_id,
        -- the Page post the ad runs as (`{page}_{post}`): an existing post when it was boosted
        -- (`object_story_id`), else an unpublished one made from `object_story_spec`
        record -> 'creative' ->> 'object_story_id' as object_story_id,
        record -> 'creative' ->> 'effective_object_story_id' as effective_object_story_id,
        -- an existing Instagram media the ad boosts (its organic id), and the ad's own media
        -- on Instagram (a separate id holding the ad's non-organic comments) with its link
        record -> 'creative' ->> 'source_instagram_media_id' as source_instagram_media_id,
        record -> 'creative' ->> 'effective_instagram_media_id' as effective_instagram_media_id,
        record -> 'creative' ->> 'instagram_permalink_url' as instagram_permalink_url,
        record -> 'creative' -> 'object_story_spec' -> 'link_data' ->> 'link' as link_url,
        record -> 'creative' ->> 'url_tags' as url_tags,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('record ->> \'id\'') }}

)

select * from final
