{#-
    Daily snapshots of every post's lifetime counters, all platforms. Engagements are computed
    the same way everywhere: reactions (likes) + comments + shares + saves, from the same
    snapshot (clicks and views are not engagements here).
-#}
with

facebook_metrics as (

    select * from {{ ref('int_facebook__post_metrics_daily') }}

),

instagram_metrics as (

    select * from {{ ref('int_instagram__post_metrics_daily') }}

),

unioned as (

    select * from facebook_metrics
    union all
    select * from instagram_metrics

),

final as (

    select
        {{ surrogate_key(['platform', 'post_id']) }} as post_key,
        platform,
        client_id,
        account_id,
        post_id,
        snapshot_date,
        extracted_at,
        views,
        reach,
        reactions,
        comments,
        shares,
        saves,
        clicks,
        coalesce(reactions, 0) + coalesce(comments, 0) + coalesce(shares, 0) + coalesce(saves, 0)
            as engagements,
        has_insights,
        loaded_at
    from unioned

)

select * from final
