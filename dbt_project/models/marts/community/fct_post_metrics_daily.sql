{{
    config(
        materialized='incremental',
        unique_key='post_snapshot_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    Incremental: snapshots loaded since the last build, and every snapshot date inside the
    re-fetch window before the newest one built (a re-run of a recent date replaces its rows).
-#}

with

metrics as (

    select * from {{ ref('int_post_metrics_daily') }}

),

posts as (

    select * from {{ ref('int_posts') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

{% if is_incremental() %}

watermark as (

    select
        max(loaded_at) as max_loaded_at,
        max(snapshot_date) as max_snapshot_date
    from {{ this }}

),

lookback as (

    select max(refetch_days) as lookback_days
    from accounts
    where platform in ('facebook', 'instagram')

),

scoped_metrics as (

    select metrics.*
    from metrics
    cross join watermark
    cross join lookback
    -- an empty target (first run on an empty warehouse) takes everything
    where watermark.max_loaded_at is null
        or metrics.loaded_at > watermark.max_loaded_at
        or metrics.snapshot_date >= cast(
            {{ dbt.dateadd('day', '-lookback.lookback_days', 'watermark.max_snapshot_date') }} as date
        )

),

{% else %}

scoped_metrics as (

    select * from metrics

),

{% endif %}

final as (

    select
        {{ surrogate_key(['scoped_metrics.post_key', 'scoped_metrics.snapshot_date']) }} as post_snapshot_key,
        scoped_metrics.post_key,
        scoped_metrics.snapshot_date,
        scoped_metrics.client_id,
        scoped_metrics.platform,
        scoped_metrics.account_id,
        accounts.account_key,
        scoped_metrics.post_id,
        scoped_metrics.extracted_at,
        {{ dbt.datediff('posts.published_at', 'scoped_metrics.extracted_at', 'minute') }} / 60.0
            as hours_since_published,
        {{ dbt.datediff('posts.published_date_local', 'scoped_metrics.snapshot_date', 'day') }}
            as days_since_published,
        scoped_metrics.views,
        scoped_metrics.reach,
        scoped_metrics.reactions,
        scoped_metrics.comments,
        scoped_metrics.shares,
        scoped_metrics.saves,
        scoped_metrics.clicks,
        scoped_metrics.engagements,
        scoped_metrics.has_insights,
        -- the post is still re-read (its counters may still grow) on this snapshot date
        {{ dbt.datediff('posts.published_date_local', 'scoped_metrics.snapshot_date', 'day') }}
            <= accounts.refetch_days as is_within_refetch_window,
        scoped_metrics.loaded_at
    from scoped_metrics
    inner join posts
        on scoped_metrics.post_key = posts.post_key
    inner join accounts
        on scoped_metrics.platform = accounts.platform
        and scoped_metrics.account_id = accounts.account_id

)

select * from final
