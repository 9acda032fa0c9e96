{#-
    `actions` (counts) and `action_values` (money, in the ad account's currency) of each ad
    insight row, one row per ad, day, action type and kind, with every attribution window.
    `value` is the account's default attribution setting (7-day click + 1-day view).
    A pure projection of the raw rows (one per ad and day, see stg_meta_ads__ad_insights); an
    action type repeated inside one row is counted in int_meta_ads__ad_daily and tested there.
-#}
with

source as (

    select * from {{ source('raw_meta_ads', 'ad_insights') }}

),

unnested as (

    select
        record ->> 'ad_id' as ad_id,
        {{ dbt.safe_cast("(record ->> 'date_start')", 'date') }} as date_day,
        'count' as value_kind,
        unnest(cast(coalesce(record -> 'actions', '[]') as json[])) as action_item,
        _extracted_at,
        _loaded_at,
        _run_id,
        _source_file
    from source
    union all
    select
        record ->> 'ad_id' as ad_id,
        {{ dbt.safe_cast("(record ->> 'date_start')", 'date') }} as date_day,
        'value' as value_kind,
        unnest(cast(coalesce(record -> 'action_values', '[]') as json[])) as action_item,
        _extracted_at,
        _loaded_at,
        _run_id,
        _source_file
    from source

),

final as (

    select
        ad_id,
        date_day,
        action_item ->> 'action_type' as action_type,
        value_kind,
        {{ dbt.safe_cast("(action_item ->> 'value')", 'decimal(38, 6)') }} as default_value,
        {{ dbt.safe_cast("(action_item ->> '1d_click')", 'decimal(38, 6)') }} as value_1d_click,
        {{ dbt.safe_cast("(action_item ->> '7d_click')", 'decimal(38, 6)') }} as value_7d_click,
        {{ dbt.safe_cast("(action_item ->> '28d_click')", 'decimal(38, 6)') }} as value_28d_click,
        {{ dbt.safe_cast("(action_item ->> '1d_view')", 'decimal(38, 6)') }} as value_1d_view,
        _extracted_at as extracted_at,
        _loaded_at as loaded_at,
        _run_id as run_id
    from unnested

)

select * from final
