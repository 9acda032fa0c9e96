{#- Comments per post in fct_comments equal the raw comment rows of that post (every organic platform). -#}
with

raw_counts as (

    {{ union_platform_macros('raw_comment_counts', family='organic') }}

),

known_posts as (

    select
        post_key,
        platform,
        post_id
    from {{ ref('dim_posts') }}
    union all
    -- posts of webhook comments that the next night extracts
    select
        post_key,
        platform,
        post_id
    from {{ ref('int_comment_posts_pending') }}

),

mart_counts as (

    select
        posts.platform,
        posts.post_id,
        count(*) as comments
    from {{ ref('fct_comments') }} as comments
    inner join known_posts as posts
        on comments.post_key = posts.post_key
    group by posts.platform, posts.post_id

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
