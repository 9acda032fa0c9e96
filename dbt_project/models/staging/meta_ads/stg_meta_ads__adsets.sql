with

source as (

    select * from {{ source('raw_meta_ads', 'adsets') }}

),

final as (

    select
        {{ json_text('id') }} as adset_id,
        _account_id as account_id,
        _client_id as client_id,
        {{ json_text('campaign_id') }} as campaign_id,
        {{ json_text('name') }} as adset_name,
        {{ json_text('status') }} as status,
        {{ json_text('effective_status') }} as effective_status,
        {{ json_text('optimization_goal') }} as optimization_goal,
        {{ json_text('billing_event') }} as billing_event,
        {{ graph_timestamp("record ->> 'created_time'") }} as created_at,
        {{ json_bigint('daily_budget') }} as daily_budget_minor,
        {{ json_bigint('lifetime_budget') }} as lifetime_budget_minor,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('record ->> \'id\'') }}

)

select * from final
