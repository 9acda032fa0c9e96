{#- Comments per post in fct_comments equal the raw comment rows of that post (every organic platform). -#}
with

raw_counts as (

    {{ union_platform_macros('raw_comment_counts', family='organic') }}

),

mart_counts as (

    select
        posts.platform,
        posts.post_id,
        count(*) as comments
    from {{ ref('fct_comments') }} as comments
    inner join {{ ref('dim_posts') }} as posts
        on comments.post_key = posts.post_key
    group by 1, 2

)

select
    coalesce(raw_counts.platform, mart_counts.platform) as platform,
    coalesce(raw_counts.post_id, mart_counts.post_id) as post_id,
    raw_counts.comments as raw_comments,
    mart_counts.comments as mart_comments
from raw_counts
full outer join mart_counts
    on raw_counts.platform = mart_counts.platform
    and raw_counts.post_id = mart_counts.post_id
where raw_counts.comments is distinct from mart_counts.comments
