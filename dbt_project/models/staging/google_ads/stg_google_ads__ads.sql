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
        -- the first final URL (Google serves the first; call ads have none)
        record -> 'adGroupAd' -> 'ad' -> 'finalUrls' ->> 0 as final_url,
        -- Upgraded URL settings of each level, as sent (unset: NULL); int_google_ads__ads
        -- resolves them lowest level first
        record -> 'adGroupAd' -> 'ad' ->> 'finalUrlSuffix' as ad_final_url_suffix,
        record -> 'adGroup' ->> 'finalUrlSuffix' as ad_group_final_url_suffix,
        record -> 'campaign' ->> 'finalUrlSuffix' as campaign_final_url_suffix,
        record -> 'customer' ->> 'finalUrlSuffix' as customer_final_url_suffix,
        record -> 'adGroupAd' -> 'ad' ->> 'trackingUrlTemplate' as ad_tracking_url_template,
        record -> 'adGroup' ->> 'trackingUrlTemplate' as ad_group_tracking_url_template,
        record -> 'campaign' ->> 'trackingUrlTemplate' as campaign_tracking_url_template,
        record -> 'customer' ->> 'trackingUrlTemplate' as customer_tracking_url_template,
        {%- for level, path in [
            ('ad', "record -> 'adGroupAd' -> 'ad'"),
            ('ad_group', "record -> 'adGroup'"),
            ('campaign', "record -> 'campaign'"),
        ] %}
        from_json(
            {{ path }} -> 'urlCustomParameters', '[{"key": "VARCHAR", "value": "VARCHAR"}]'
        ) as {{ level }}_url_custom_parameters,
        {%- endfor %}
        {{ raw_lineage() }}
    from source
    {{ latest_extraction("record -> 'adGroupAd' ->> 'resourceName'") }}

)

select * from final
