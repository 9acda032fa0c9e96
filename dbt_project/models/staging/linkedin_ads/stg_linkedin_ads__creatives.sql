{#- One row per LinkedIn creative (latest version): Ruche's ad level. Sponsored Content names
    the post it promotes (`content.reference`, a share or ugcPost URN: the LinkedIn Pages post
    id); a text ad names its landing page. -#}
with

source as (

    select * from {{ source('raw_linkedin_ads', 'creatives') }}

),

final as (

    select
        replace(record ->> 'id', 'urn:li:sponsoredCreative:', '') as creative_id,
        _account_id as account_id,
        _client_id as client_id,
        replace(record ->> 'campaign', 'urn:li:sponsoredCampaign:', '') as campaign_id,
        record ->> 'name' as creative_name,
        record ->> 'intendedStatus' as status,
        {{ linkedin_epoch_ms("record ->> 'createdAt'") }} as created_at,
        record -> 'content' ->> 'reference' as sponsored_post_urn,
        coalesce(
            record -> 'content' -> 'textAd' ->> 'landingPage',
            record -> 'content' -> 'spotlight' ->> 'landingPage'
        ) as landing_page_url,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction("record ->> 'id'") }}

)

select * from final
