{#-
    One row per X post and extraction that read the post's comments again: each run
    lists the posts of its window (one snapshot row per post and run date) and reads
    every comment of each of them. Whether that read finished is the load ledger's to say
    (`int_comment_reads`).
    Replies are read by recent search, which reaches 7 days back only: `reach_from` is the
    oldest reply time the read surely reached; older replies it did not return are out of
    its reach, never deleted.
-#}
with

posts as (

    select * from {{ ref('stg_x__posts') }}

),

final as (

    select distinct
        'x' as platform,
        posts.client_id,
        posts.user_id as account_id,
        posts.post_id,
        posts.run_id,
        posts.extracted_at,
        -- recent search reaches the 7 days before each search; the searches follow the
        -- posts' read within the run (minutes, at most the run's deadline), so one day less is
        -- surely in reach: an older reply the read did not return is out of reach, not deleted
        {{ dbt.dateadd('day', 1 - x_reply_search_days() | int, 'posts.extracted_at') }} as reach_from
    from posts

)

select * from final
