with

source as (

    select * from {{ source('raw_google_ads', 'campaigns') }}

),

final as (

    select
        record -> 'campaign' ->> 'id' as campaign_id,
        _account_id as account_id,
        _client_id as client_id,
        record -> 'campaign' ->> 'name' as campaign_name,
        record -> 'campaign' ->> 'status' as status,
        record -> 'campaign' ->> 'advertisingChannelType' as channel_type,
        {{ google_ads_micros("record -> 'campaignBudget' ->> 'amountMicros'") }} as daily_budget,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction("record -> 'campaign' ->> 'id'") }}

)

select * from final
