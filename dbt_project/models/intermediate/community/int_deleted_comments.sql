{{
    config(
        materialized='table',
    )
}}

{#-
    One row per comment deleted since it was extracted (by its author or the brand). Platforms
    never say a comment was deleted: it is just no longer returned. A comment counts as deleted
    when a later complete read of its post's comments (`int_comment_reads`: same platform,
    account and post, finished and loaded whole) whose reach covers the comment's time no
    longer returned it. A post no longer re-read (past its re-fetch window), a read that
    stopped or lost records, and a reply outside a read's reach (X's 7-day recent search) say
    nothing. Rebuilt whole on every build from narrow columns: deletion changes nothing in the
    comment's own row, so an incremental model keyed on loaded rows could not see it.

    A webhook's `remove` (`int_comment_removals`) says it directly, also for a comment no
    extraction ever returned (shown by its events only): `last_seen_at` is then NULL and
    `missing_since` the removal's time.

    Marts choose: `rpt_comments_to_answer` leaves deleted comments out; counts of comments
    received keep them (they were received).
-#}
with

comments as (

    select
        comment_key,
        platform,
        client_id,
        account_id,
        post_id,
        comment_id,
        created_at
    from {{ ref('int_comments') }}

),

sightings as (

    {{ union_platform_models('stg_{platform}__comment_sightings', family='organic', add_platform=true) }}

),

reads as (

    select * from {{ ref('int_comment_reads') }}

),

removals as (

    select * from {{ ref('int_comment_removals') }}

),

missing as (

    select
        comments.comment_key,
        comments.platform,
        comments.client_id,
        comments.account_id,
        comments.post_id,
        comments.comment_id,
        sightings.last_seen_at,
        -- the first complete read that no longer returned it
        min(reads.read_at) as missing_since
    from comments
    inner join sightings
        on comments.platform = sightings.platform
        and comments.account_id = sightings.account_id
        and comments.comment_id = sightings.comment_id
    inner join reads
        on comments.platform = reads.platform
        and comments.account_id = reads.account_id
        and comments.post_id = reads.post_id
        and sightings.last_seen_at < reads.read_at
        and (reads.reach_from is null or comments.created_at >= reads.reach_from)
    group by 1, 2, 3, 4, 5, 6, 7

),

removed as (

    select
        comments.comment_key,
        comments.platform,
        comments.client_id,
        comments.account_id,
        comments.post_id,
        comments.comment_id,
        cast(null as timestamp with time zone) as last_seen_at,
        removals.removed_at as missing_since
    from comments
    inner join removals
        on comments.platform = removals.platform
        and comments.comment_id = removals.comment_id
    where comments.comment_key not in (select missing.comment_key from missing)

),

final as (

    select * from missing
    union all
    select * from removed

)

select * from final
