{{ config(materialized='table') }}

{#- Every platform's posts in one shape, with a deterministic key and the client's local time. -#}
with

-- every organic platform of the registry (config.platforms), never a hand-written list
platform_posts as (

    {{ union_platform_models('int_{platform}__posts', family='organic') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

unioned as (

    select * from platform_posts

),

final as (

    select
        {{ surrogate_key(['unioned.platform', 'unioned.post_id']) }} as post_key,
        unioned.client_id,
        unioned.platform,
        unioned.account_id,
        accounts.account_key,
        unioned.post_id,
        unioned.published_at,
        {{ utc_to_local('unioned.published_at', 'accounts.client_timezone') }} as published_at_local,
        {{ local_date('unioned.published_at', 'accounts.client_timezone') }} as published_date_local,
        accounts.client_timezone,
        unioned.post_text,
        unioned.permalink_url,
        unioned.media_type,
        unioned.platform_media_type,
        unioned.picture_url,
        unioned.first_snapshot_date,
        unioned.last_snapshot_date,
        unioned.comments_include_replies
    from unioned
    inner join accounts
        on unioned.platform = accounts.platform
        and unioned.account_id = accounts.account_id

)

select * from final
