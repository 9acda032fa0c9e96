{#-
    One row per post and extraction that read all of the post's comments (within the read's
    reach): the post was listed by the run (`int_<platform>__comment_reads`, every organic
    platform of the registry) and the run's comments file of that account was loaded whole —
    every record loaded, none quarantined, the extraction not stopped inside it (a deferred
    account lands what it read, marked partial). `read_at` is when the comments were read (the
    comments file's extraction time, the clock `last_seen_at` of each comment is on).
-#}
with

post_reads as (

    {{ union_platform_models('int_{platform}__comment_reads', family='organic') }}

),

ledger as (

    select * from {{ ref('stg_ops__load_ledger') }}

),

complete_comment_files as (

    select
        platform,
        account_id,
        run_id,
        max(extracted_at) as read_at
    from ledger
    where entity = 'comments'
    group by 1, 2, 3
    -- one run may land several files of an account (a retry): all must be whole
    having bool_and(status = 'loaded' and not is_read_partial)

),

final as (

    select
        post_reads.platform,
        post_reads.client_id,
        post_reads.account_id,
        post_reads.post_id,
        post_reads.run_id,
        complete_comment_files.read_at,
        post_reads.reach_from
    from post_reads
    inner join complete_comment_files
        on post_reads.platform = complete_comment_files.platform
        and post_reads.account_id = complete_comment_files.account_id
        and post_reads.run_id = complete_comment_files.run_id

)

select * from final
