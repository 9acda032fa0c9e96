{#- X posts in the shared post shape, from each post's latest snapshot. -#}
with

posts as (

    select * from {{ ref('stg_x__posts') }}

),

users as (

    select * from {{ ref('stg_x__users') }}

),

handles as (

    select
        user_id,
        username
    from users
    qualify row_number() over (partition by user_id order by snapshot_date desc) = 1

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
        'x' as platform,
        latest.client_id,
        latest.user_id as account_id,
        latest.post_id,
        latest.created_at as published_at,
        latest.post_text,
        -- X's canonical post link; `/i/web/status/<id>` works when the handle is unknown
        'https://x.com/' || coalesce(handles.username, 'i/web') || '/status/' || latest.post_id
            as permalink_url,
        -- the timeline's text posts; media are not requested (`attachments` is not asked for)
        'status' as media_type,
        cast(null as {{ dbt.type_string() }}) as platform_media_type,
        cast(null as {{ dbt.type_string() }}) as picture_url,
        latest.first_snapshot_date,
        latest.snapshot_date as last_snapshot_date,
        -- `public_metrics.reply_count` counts the post's direct replies only
        false as comments_include_replies
    from latest
    left join handles
        on latest.user_id = handles.user_id

)

select * from final
