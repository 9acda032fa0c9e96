{#- Media lifetime insights, one row per media, metric and run date. A media may have none.
    No window over the history: the loader keeps one row per key (latest extraction wins),
    so the incremental marts' constant filters on `snapshot_date` reach the raw scan.
-#}
with

source as (

    select * from {{ source('raw_instagram', 'media_insights') }}

),

final as (

    select
        _parent_id as media_id,
        _account_id as ig_user_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ json_text('name') }} as metric_name,
        {{ json_text('period') }} as period,
        {{ dbt.safe_cast("(record -> 'values' -> 0 ->> 'value')", dbt.type_bigint()) }} as metric_value,
        {{ raw_lineage() }}
    from source

)

select * from final
