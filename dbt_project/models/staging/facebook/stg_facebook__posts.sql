{#-
    No window over the history here: the loader keeps one row per key (latest extraction wins),
    and a pure projection lets the incremental marts' constant filters on `snapshot_date` reach
    the raw table's scan.
-#}
with

source as (

    select * from {{ source('raw_facebook', 'posts') }}

),

final as (

    select
        {{ json_text('id') }} as post_id,
        _account_id as page_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ graph_timestamp("record ->> 'created_time'") }} as created_at,
        {{ graph_timestamp("record ->> 'updated_time'") }} as updated_at,
        {{ json_text('message') }} as message,
        {{ json_text('permalink_url') }} as permalink_url,
        {{ json_text('status_type') }} as status_type,
        {{ json_text('full_picture') }} as picture_url,
        -- lifetime counters on the node at extraction time
        {{ dbt.safe_cast("(record -> 'reactions' -> 'summary' ->> 'total_count')", dbt.type_bigint()) }}
            as reactions_count,
        -- top-level comments only: the edge's default filter (`toplevel`)
        {{ dbt.safe_cast("(record -> 'comments' -> 'summary' ->> 'total_count')", dbt.type_bigint()) }}
            as comments_count,
        -- Graph omits `shares` when nobody shared the post
        coalesce(
            {{ dbt.safe_cast("(record -> 'shares' ->> 'count')", dbt.type_bigint()) }}, 0
        ) as shares_count,
        {{ raw_lineage() }}
    from source

)

select * from final
