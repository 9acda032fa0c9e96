{#-
    A pure projection (see stg_facebook__posts): the loader keeps one row per post per run date.
    Private metrics are absent for posts older than 30 days (X withholds them): NULL here.
-#}
with

source as (

    select * from {{ source('raw_x', 'posts') }}

),

final as (

    select
        {{ json_text('id') }} as post_id,
        _account_id as user_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ x_timestamp("record ->> 'created_at'") }} as created_at,
        {{ json_text('text') }} as post_text,
        {{ json_text('lang') }} as lang,
        {{ x_metric('public_metrics', 'impression_count') }} as impression_count,
        {{ x_metric('public_metrics', 'like_count') }} as like_count,
        {{ x_metric('public_metrics', 'reply_count') }} as reply_count,
        {{ x_metric('public_metrics', 'retweet_count') }} as retweet_count,
        {{ x_metric('public_metrics', 'quote_count') }} as quote_count,
        {{ x_metric('public_metrics', 'bookmark_count') }} as bookmark_count,
        {{ x_metric('non_public_metrics', 'url_link_clicks') }} as url_link_clicks,
        {{ x_metric('non_public_metrics', 'user_profile_clicks') }} as user_profile_clicks,
        {{ x_metric('organic_metrics', 'impression_count') }} as organic_impression_count,
        (record -> 'non_public_metrics') is not null as has_private_metrics,
        {{ raw_lineage() }}
    from source

)

select * from final
