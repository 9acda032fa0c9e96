{#-
    Page daily insights unnested to one row per Page, metric and day. `end_time` closes a
    Pacific day (Meta's reporting day) and is rendered in UTC: 2026-10-21T07:00:00+0000 closes
    2026-10-20. Overlapping windows repeat a day: the latest extraction wins.
    `is_day_complete`: the day had ended (in Pacific time) when it was extracted; a day still
    under way is reported by Meta as zeros or partial counts, never as its final figure.
-#}
with

source as (

    select * from {{ source('raw_facebook', 'page_insights') }}

),

unnested as (

    select
        _account_id as page_id,
        _client_id as client_id,
        record ->> 'name' as metric_name,
        record ->> 'period' as period,
        {{ graph_insight_values() }} as value_item,
        _extracted_at,
        _loaded_at,
        _run_id,
        _source_file
    from source

),

typed as (

    select
        page_id,
        client_id,
        metric_name,
        period,
        {{ graph_timestamp("value_item ->> 'end_time'") }} as end_at,
        {{ dbt.safe_cast("(value_item ->> 'value')", dbt.type_bigint()) }} as metric_value,
        _extracted_at,
        _loaded_at,
        _run_id,
        _source_file
    from unnested

),

final as (

    select
        page_id,
        client_id,
        metric_name,
        period,
        cast(
            {{ dbt.dateadd('day', -1, local_date('end_at', platform_reporting_timezone('facebook'))) }}
            as date
        ) as metric_date,
        end_at,
        metric_value,
        _extracted_at >= end_at as is_day_complete,
        _extracted_at as extracted_at,
        _loaded_at as loaded_at,
        _run_id as run_id
    from typed
    where period = 'day'
    {{ latest_extraction('page_id, metric_name, end_at') }}

)

select * from final
