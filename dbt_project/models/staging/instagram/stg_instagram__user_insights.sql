{#-
    Account daily insights, one row per account, metric and day (Meta's Pacific day).
    `time_series` items (reach, follower_count = new followers that day) are unnested from
    `values` (end_time closes the Pacific day, as for Pages); `total_value` items (views,
    accounts_engaged, total_interactions) were requested one day at a time, the day in `_day`.
    Overlapping windows repeat a day: the latest extraction wins.
    `is_day_complete`: the Pacific day had ended when it was extracted; Meta answers a day still
    under way with zeros (`total_value`) or partial counts, never with its final figure.
-#}
with

source as (

    select * from {{ source('raw_instagram', 'user_insights') }}

),

series as (

    select
        _account_id as ig_user_id,
        _client_id as client_id,
        record ->> 'name' as metric_name,
        'time_series' as metric_kind,
        {{ graph_insight_values() }} as value_item,
        _extracted_at,
        _loaded_at,
        _run_id,
        _source_file
    from source
    where (record -> 'total_value') is null
        and (record -> 'values') is not null

),

series_days as (

    select
        ig_user_id,
        client_id,
        metric_name,
        metric_kind,
        cast(
            {{ dbt.dateadd(
                'day', -1,
                local_date(graph_timestamp("value_item ->> 'end_time'"), platform_reporting_timezone('instagram'))
            ) }} as date
        ) as metric_date,
        {{ dbt.safe_cast("(value_item ->> 'value')", dbt.type_bigint()) }} as metric_value,
        _extracted_at,
        _loaded_at,
        _run_id,
        _source_file
    from series

),

totals as (

    select
        _account_id as ig_user_id,
        _client_id as client_id,
        record ->> 'name' as metric_name,
        'total_value' as metric_kind,
        coalesce(_day, {{ dbt.safe_cast('_since', 'date') }}) as metric_date,
        {{ dbt.safe_cast("(record -> 'total_value' ->> 'value')", dbt.type_bigint()) }} as metric_value,
        _extracted_at,
        _loaded_at,
        _run_id,
        _source_file
    from source
    where (record -> 'total_value') is not null

),

unioned as (

    select * from series_days
    union all
    select * from totals

),

final as (

    select
        ig_user_id,
        client_id,
        metric_name,
        metric_kind,
        metric_date,
        metric_value,
        _extracted_at >= {{ local_to_utc(
            'cast(' ~ dbt.dateadd('day', 1, 'metric_date') ~ ' as timestamp)',
            platform_reporting_timezone('instagram')
        ) }} as is_day_complete,
        _extracted_at as extracted_at,
        _loaded_at as loaded_at,
        _run_id as run_id
    from unioned
    {{ latest_extraction('ig_user_id, metric_name, metric_kind, metric_date') }}

)

select * from final
