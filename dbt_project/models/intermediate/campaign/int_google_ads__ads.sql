{#- Google Ads ads (ad group ads) in the conformed ad shape, with their ad group: the ads
    listing, plus any ad seen only in metric rows (removed since). `creative_id` is the ad id
    (a Google ad is its own creative).
    `destination_url` is the landing page as clicked, by Google's serving-URL rules
    (developers.google.com/google-ads/api/docs/ads/upgraded-urls/serving-url-rules): the ad's
    first final URL, then the final URL suffix of the lowest level that sets one (ad, ad group,
    campaign, customer); the ValueTrack tags known per ad (`{campaignid}`, `{adgroupid}`,
    `{creative}`) and custom parameters (`{_name}`, the lowest level's value of each) filled in
    as Google does at click time; tags that depend on the click (`{keyword}`, `{device}`…)
    stay as written. The tracking template is a redirect before the landing page, not part of
    it (kept as `tracking_url_template`, unexpanded, in staging). NULL for ads without a final
    URL (call ads). -#}
with

ads as (

    select * from {{ ref('stg_google_ads__ads') }}

),

ad_groups as (

    select * from {{ ref('stg_google_ads__ad_groups') }}

),

ad_daily as (

    select * from {{ ref('int_google_ads__ad_daily') }}

),

metric_ads as (

    select
        ad_id,
        account_id,
        client_id,
        max(adset_id) as ad_group_id,
        max(campaign_id) as campaign_id
    from ad_daily
    group by 1, 2, 3

),

combined as (

    select
        coalesce(ads.ad_id, metric_ads.ad_id) as ad_id,
        coalesce(ads.account_id, metric_ads.account_id) as account_id,
        coalesce(ads.client_id, metric_ads.client_id) as client_id,
        coalesce(ads.campaign_id, metric_ads.campaign_id) as campaign_id,
        coalesce(ads.ad_group_id, metric_ads.ad_group_id) as ad_group_id,
        ads.ad_name,
        ads.status,
        ads.ad_id is not null as is_in_ad_listing,
        ads.final_url,
        coalesce(
            nullif(ads.ad_final_url_suffix, ''),
            nullif(ads.ad_group_final_url_suffix, ''),
            nullif(ads.campaign_final_url_suffix, ''),
            nullif(ads.customer_final_url_suffix, '')
        ) as final_url_suffix,
        -- lowest level first: each `{_name}` tag is replaced once, by its lowest-level value
        list_concat(
            coalesce(ads.ad_url_custom_parameters, []),
            coalesce(ads.ad_group_url_custom_parameters, []),
            coalesce(ads.campaign_url_custom_parameters, [])
        ) as url_custom_parameters
    from ads
    full outer join metric_ads
        on ads.ad_id = metric_ads.ad_id
        and ads.ad_group_id = metric_ads.ad_group_id

),

clicked as (

    select
        *,
        {{ append_query('final_url', 'final_url_suffix') }} as url_template
    from combined

),

valuetracked as (

    select
        *,
        replace(
            replace(
                replace(url_template, '{campaignid}', campaign_id),
                '{adgroupid}', ad_group_id
            ),
            '{creative}', ad_id
        ) as valuetrack_url
    from clicked

),

expanded as (

    select
        *,
        list_reduce(url_custom_parameters, lambda url, tag: replace(url, '{_' || tag.key || '}', tag.value), valuetrack_url) as destination_url  -- noqa: PRS, LT05
    from valuetracked

),

final as (

    select
        'google_ads' as platform,
        combined.client_id,
        combined.account_id,
        combined.campaign_id,
        combined.ad_group_id as adset_id,
        ad_groups.ad_group_name as adset_name,
        ad_groups.ad_group_type as optimization_goal,
        cast(null as {{ dbt.type_string() }}) as billing_event,
        combined.ad_id,
        combined.ad_name,
        combined.status,
        combined.status as effective_status,
        cast(null as timestamp with time zone) as created_at,
        combined.ad_id as creative_id,
        combined.is_in_ad_listing,
        combined.destination_url
    from expanded as combined
    left join ad_groups
        on combined.ad_group_id = ad_groups.ad_group_id

)

select * from final
