with

source as (

    select * from {{ source('raw_meta_ads', 'campaigns') }}

),

final as (

    select
        {{ json_text('id') }} as campaign_id,
        _account_id as account_id,
        _client_id as client_id,
        {{ json_text('name') }} as campaign_name,
        {{ json_text('objective') }} as objective,
        {{ json_text('status') }} as status,
        {{ json_text('effective_status') }} as effective_status,
        {{ graph_timestamp("record ->> 'created_time'") }} as created_at,
        {{ graph_timestamp("record ->> 'start_time'") }} as start_at,
        {{ graph_timestamp("record ->> 'stop_time'") }} as stop_at,
        -- in the currency's minor unit (cents), as the API gives it
        {{ json_bigint('daily_budget') }} as daily_budget_minor,
        {{ json_bigint('lifetime_budget') }} as lifetime_budget_minor,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('record ->> \'id\'') }}

)

select * from final
