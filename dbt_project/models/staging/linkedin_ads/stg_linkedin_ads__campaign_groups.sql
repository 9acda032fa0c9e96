{#- One row per LinkedIn campaign group (latest version): Ruche's campaign level. -#}
with

source as (

    select * from {{ source('raw_linkedin_ads', 'campaign_groups') }}

),

final as (

    select
        record ->> 'id' as campaign_group_id,
        _account_id as account_id,
        _client_id as client_id,
        record ->> 'name' as campaign_group_name,
        record ->> 'status' as status,
        {{ linkedin_epoch_ms("record -> 'runSchedule' ->> 'start'") }} as start_at,
        {{ linkedin_epoch_ms("record -> 'runSchedule' ->> 'end'") }} as stop_at,
        {{ dbt.safe_cast("(record -> 'totalBudget' ->> 'amount')", 'decimal(38, 6)') }} as total_budget,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction("record ->> 'id'") }}

)

select * from final
