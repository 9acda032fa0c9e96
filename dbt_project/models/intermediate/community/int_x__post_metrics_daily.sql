{#-
    One row per X post per run date, mapped to the shared metrics (DECISIONLOG "X metrics"):
    views = impressions (public, live); reach = NULL (X offers no unique reach); reactions =
    likes; comments = direct replies; shares = reposts + quotes; saves = bookmarks; clicks =
    link + profile clicks (private metrics: NULL once a post is older than 30 days, never 0).
-#}
with

posts as (

    select * from {{ ref('stg_x__posts') }}

),

final as (

    select
        'x' as platform,
        client_id,
        user_id as account_id,
        post_id,
        snapshot_date,
        extracted_at,
        impression_count as views,
        cast(null as {{ dbt.type_bigint() }}) as reach,
        like_count as reactions,
        reply_count as comments,
        retweet_count + quote_count as shares,
        bookmark_count as saves,
        url_link_clicks + user_profile_clicks as clicks,
        has_private_metrics as has_insights,
        loaded_at
    from posts

)

select * from final
