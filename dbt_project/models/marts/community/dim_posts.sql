with

posts as (

    select * from {{ ref('int_posts') }}

),

final as (

    select
        post_key,
        client_id,
        platform,
        account_id,
        account_key,
        post_id,
        published_at,
        published_at_local,
        published_date_local,
        post_text as text,
        post_text is not null as has_text,
        permalink_url as permalink,
        media_type,
        platform_media_type,
        first_snapshot_date,
        last_snapshot_date
    from posts

)

select * from final
