{#-
    One row per LinkedIn Pages post and extraction that read the post's comments again: each run
    lists the organization posts of its window (one snapshot row per post and run date) and reads
    every comment of each of them. Whether that read finished is the load ledger's to say
    (`int_comment_reads`).
-#}
with

posts as (

    select * from {{ ref('stg_linkedin_pages__posts') }}

),

final as (

    select distinct
        'linkedin_pages' as platform,
        posts.client_id,
        posts.organization_id as account_id,
        posts.post_id,
        posts.run_id,
        posts.extracted_at,
        -- every comment of the post is read again, whatever its age
        cast(null as timestamp with time zone) as reach_from
    from posts

)

select * from final
