{#-
    One row per comment a webhook said was removed (`verb: remove`, Facebook Pages; Instagram
    sends no delete notification), every platform with comment events: when, first. What the
    nightly extract cannot tell for a comment it never read (it was written and removed between
    two nights, or only the events showed it): `int_deleted_comments` adds these.
-#}
with

removals as (

    {{ union_event_models(
        'stg_{platform}__comment_events',
        where="verb = 'remove'",
        columns="client_id, comment_id, created_at"
    ) }}

),

final as (

    select
        platform,
        client_id,
        comment_id,
        min(created_at) as removed_at
    from removals
    group by 1, 2, 3

)

select * from final
