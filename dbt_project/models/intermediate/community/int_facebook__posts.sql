{#- Facebook posts in the shared post shape, from each post's latest snapshot. -#}
with

posts as (

    select * from {{ ref('stg_facebook__posts') }}

),

latest as (

    select
        *,
        min(snapshot_date) over (partition by post_id) as first_snapshot_date
    from posts
    qualify row_number() over (partition by post_id order by snapshot_date desc, extracted_at desc) = 1

),

final as (

    select
        'facebook' as platform,
        client_id,
        page_id as account_id,
        post_id,
        created_at as published_at,
        message as post_text,
        permalink_url,
        case status_type
            when 'added_photos' then 'photo'
            when 'added_video' then 'video'
            when 'shared_story' then 'link'
            when 'mobile_status_update' then 'status'
            when 'created_event' then 'event'
            else 'other'
        end as media_type,
        status_type as platform_media_type,
        picture_url,
        first_snapshot_date,
        snapshot_date as last_snapshot_date,
        -- a Page post's `comments.summary.total_count` counts top-level comments only
        false as comments_include_replies
    from latest

)

select * from final
