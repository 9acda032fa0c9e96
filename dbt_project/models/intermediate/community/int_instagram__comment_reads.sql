{#-
    One row per Instagram post and extraction that read the post's comments again: each run
    lists the media of its window (one snapshot row per post and run date) and reads
    every comment of each of them. Whether that read finished is the load ledger's to say
    (`int_comment_reads`).
-#}
with

posts as (

    select * from {{ ref('stg_instagram__media') }}

),

final as (

    select distinct
        'instagram' as platform,
        posts.client_id,
        posts.ig_user_id as account_id,
        posts.media_id as post_id,
        posts.run_id,
        posts.extracted_at,
        -- every comment of the post is read again, whatever its age
        cast(null as timestamp with time zone) as reach_from
    from posts

)

select * from final
