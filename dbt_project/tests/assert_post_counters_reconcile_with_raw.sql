{#- The post counters of every snapshot equal the raw node's (reactions/likes and comments). -#}
with

raw_counters as (

    {{ union_platform_macros('raw_post_counters', family='organic') }}

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
