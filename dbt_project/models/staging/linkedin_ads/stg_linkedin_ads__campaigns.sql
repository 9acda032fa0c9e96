{#- One row per LinkedIn campaign (latest version): Ruche's ad-set level (budget, bid and
    targeting live here, as on a Meta ad set). The daily budget is a decimal string, cast
    exactly. -#}
with

source as (

    select * from {{ source('raw_linkedin_ads', 'campaigns') }}

),

final as (

    select
        record ->> 'id' as campaign_id,
        _account_id as account_id,
        _client_id as client_id,
        replace(record ->> 'campaignGroup', 'urn:li:sponsoredCampaignGroup:', '') as campaign_group_id,
        record ->> 'name' as campaign_name,
        record ->> 'status' as status,
        record ->> 'objectiveType' as objective_type,
        record ->> 'costType' as cost_type,
        {{ dbt.safe_cast("(record -> 'dailyBudget' ->> 'amount')", 'decimal(38, 6)') }} as daily_budget,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction("record ->> 'id'") }}

)

select * from final
