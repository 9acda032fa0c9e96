with

source as (

    select * from {{ source('raw_google_ads', 'ad_groups') }}

),

final as (

    select
        record -> 'adGroup' ->> 'id' as ad_group_id,
        _account_id as account_id,
        _client_id as client_id,
        record -> 'campaign' ->> 'id' as campaign_id,
        record -> 'adGroup' ->> 'name' as ad_group_name,
        record -> 'adGroup' ->> 'status' as status,
        record -> 'adGroup' ->> 'type' as ad_group_type,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction("record -> 'adGroup' ->> 'id'") }}

)

select * from final
