{#- LinkedIn posts in the shared post shape, from each post's latest snapshot. -#}
with

posts as (

    select * from {{ ref('stg_linkedin_pages__posts') }}

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
        'linkedin_pages' as platform,
        client_id,
        organization_id as account_id,
        post_id,
        coalesce(published_at, created_at) as published_at,
        commentary as post_text,
        'https://www.linkedin.com/feed/update/' || post_id || '/' as permalink_url,
        case content_type
            when 'IMAGE' then 'photo'
            when 'MULTI_IMAGE' then 'carousel'
            when 'VIDEO' then 'video'
            when 'ARTICLE' then 'link'
            when 'NONE' then 'status'
            else 'other'
        end as media_type,
        content_type as platform_media_type,
        cast(null as {{ dbt.type_string() }}) as picture_url,
        first_snapshot_date,
        snapshot_date as last_snapshot_date,
        -- the share statistics' commentCount counts replies too
        true as comments_include_replies
    from latest

)

select * from final
