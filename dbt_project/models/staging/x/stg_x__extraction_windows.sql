{#-
    The days each X extraction asked for. `content` (posts and their replies) starts no earlier
    than the first whole day, in the client's time zone, that recent search still reached when
    the extraction ran: replies older than 7 days cannot be read at all, so those days are not
    covered (never "zero replies"). A window wholly out of reach covers nothing.
    `account_metrics`: the user snapshots (the follower count read by each run).
-#}
with

clients as (

    select * from {{ ref('stg_config__clients') }}

),

posts as (

    select * from {{ source('raw_x', 'posts') }}

),

content as (

    select
        posts._client_id,
        posts._account_id,
        greatest(
            posts._window_start,
            cast({{ dbt.dateadd('day', 1, local_date(
                "posts._extracted_at - interval " ~ x_reply_search_days() ~ " day",
                'clients.timezone'
            )) }} as date)
        ) as _window_start,
        posts._window_end,
        posts._extracted_at,
        posts._loaded_at
    from posts
    inner join clients
        on posts._client_id = clients.client_id

),

reachable as (

    select * from content
    where _window_start <= _window_end

),

account_metrics as (

    select * from {{ source('raw_x', 'user') }}

),

final as (

    {{ extraction_windows({'content': 'reachable', 'account_metrics': 'account_metrics'}) }}

)

select * from final
