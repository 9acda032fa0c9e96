{#- The post counters of every snapshot equal the raw node's (reactions/likes and comments). -#}
with

raw_counters as (

    select
        'facebook' as platform,
        record ->> 'id' as post_id,
        _snapshot_date as snapshot_date,
        cast(record -> 'reactions' -> 'summary' ->> 'total_count' as bigint) as reactions,
        cast(record -> 'comments' -> 'summary' ->> 'total_count' as bigint) as comments
    from {{ source('raw_facebook', 'posts') }}
    union all
    select
        'instagram' as platform,
        record ->> 'id' as post_id,
        _snapshot_date as snapshot_date,
        cast(record ->> 'like_count' as bigint) as reactions,
        cast(record ->> 'comments_count' as bigint) as comments
    from {{ source('raw_instagram', 'media') }}

)

select
    raw_counters.*,
    metrics.reactions as mart_reactions,
    metrics.comments as mart_comments
from raw_counters
left join {{ ref('fct_post_metrics_daily') }} as metrics
    on raw_counters.platform = metrics.platform
    and raw_counters.post_id = metrics.post_id
    and raw_counters.snapshot_date = metrics.snapshot_date
where metrics.post_key is null
    or raw_counters.reactions is distinct from metrics.reactions
    or raw_counters.comments is distinct from metrics.comments
