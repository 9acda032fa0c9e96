{#-
    Daily snapshots of every post's lifetime counters, all platforms. Engagements are computed
    the same way everywhere: reactions (likes) + comments + shares + saves, from the same
    snapshot (clicks and views are not engagements here).
-#}
with

-- every organic platform of the registry (config.platforms), never a hand-written list
unioned as (

    {{ union_platform_models('int_{platform}__post_metrics_daily', family='organic') }}

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
