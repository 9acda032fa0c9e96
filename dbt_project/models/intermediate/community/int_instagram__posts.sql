{#- Instagram media in the shared post shape, from each media's latest snapshot. -#}
with

media as (

    select * from {{ ref('stg_instagram__media') }}

),

latest as (

    select
        *,
        min(snapshot_date) over (partition by media_id) as first_snapshot_date
    from media
    qualify row_number() over (partition by media_id order by snapshot_date desc, extracted_at desc) = 1

),

final as (

    select
        'instagram' as platform,
        client_id,
        ig_user_id as account_id,
        media_id as post_id,
        created_at as published_at,
        caption as post_text,
        permalink_url,
        case
            when media_product_type = 'REELS' then 'reel'
            when media_type = 'IMAGE' then 'photo'
            when media_type = 'VIDEO' then 'video'
            when media_type = 'CAROUSEL_ALBUM' then 'carousel'
            else 'other'
        end as media_type,
        media_type || coalesce('/' || media_product_type, '') as platform_media_type,
        cast(null as {{ dbt.type_string() }}) as picture_url,
        first_snapshot_date,
        snapshot_date as last_snapshot_date,
        -- a media's `comments_count` counts replies too
        true as comments_include_replies
    from latest

)

select * from final
