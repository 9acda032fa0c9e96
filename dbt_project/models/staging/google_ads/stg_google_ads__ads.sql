with

source as (

    select * from {{ source('raw_google_ads', 'ads') }}

),

final as (

    select
        record -> 'adGroupAd' ->> 'resourceName' as ad_group_ad,
        record -> 'adGroupAd' -> 'ad' ->> 'id' as ad_id,
        _account_id as account_id,
        _client_id as client_id,
        record -> 'campaign' ->> 'id' as campaign_id,
        record -> 'adGroup' ->> 'id' as ad_group_id,
        record -> 'adGroupAd' -> 'ad' ->> 'name' as ad_name,
        record -> 'adGroupAd' -> 'ad' ->> 'type' as ad_type,
        record -> 'adGroupAd' ->> 'status' as status,
        record -> 'adGroupAd' -> 'ad' -> 'finalUrls' ->> 0 as final_url,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction("record -> 'adGroupAd' ->> 'resourceName'") }}

)

select * from final
