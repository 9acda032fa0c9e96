{#- Post lifetime insights, one row per post, metric and run date.
    No window over the history: the loader keeps one row per key (latest extraction wins),
    so the incremental marts' constant filters on `snapshot_date` reach the raw scan.
-#}
with

source as (

    select * from {{ source('raw_facebook', 'post_insights') }}

),

renamed as (

    select
        _parent_id as post_id,
        _account_id as page_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ json_text('name') }} as metric_name,
        {{ json_text('period') }} as period,
        record -> 'values' -> 0 -> 'value' as metric_json,
        {{ raw_lineage() }}
    from source

),

final as (

    select
        post_id,
        page_id,
        client_id,
        snapshot_date,
        metric_name,
        period,
        -- post_reactions_by_type_total is an object {"like": n, "love": n, …}: its total
        case
            when json_type(metric_json) = 'OBJECT'
                -- list_sum() of BIGINTs is a HUGEINT: back to BIGINT, as the other metrics
                then cast(
                        list_sum(map_values(json_transform(metric_json, '"MAP(VARCHAR, BIGINT)"')))
                        as {{ dbt.type_bigint() }}
                    )
            else {{ dbt.safe_cast('metric_json', dbt.type_bigint()) }}
        end as metric_value,
        case when json_type(metric_json) = 'OBJECT' then metric_json end as metric_breakdown,
        extracted_at,
        loaded_at,
        run_id
    from renamed

)

select * from final
