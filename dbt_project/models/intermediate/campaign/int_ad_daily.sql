{#-
    Every ad platform's ad days in one conformed shape (the marts read only this): one row per
    ad per day of the ad account, with delivery, spend in the account's currency, and
    conversions and their value with the attribution window they were counted in. Reach is
    unique people for that ad and day: never summed across ads or days.

    Money and conversions are exact decimals in the conformed type (DECIMAL(38, 6): micros and
    strings such as "12.34" without rounding); a platform model handing a DOUBLE fails
    tests/warehouse/test_dbt.py::test_money_columns_are_decimal_from_platform_to_published_file.
-#}
with

unioned as (

    {#- spend is cast per platform: a union of DECIMAL(38, 2) and (38, 6) is (38, 2) #}
    {{ union_platform_models('int_{platform}__ad_daily', family='ads', columns=[
        'platform', 'client_id', 'account_id', 'date_day', 'campaign_id', 'campaign_name',
        'adset_id', 'adset_name', 'ad_id', 'ad_name', 'currency', 'impressions', 'reach',
        'clicks', 'link_clicks',
        'cast(spend as decimal(38, 6)) as spend',
        'conversions', 'conversion_value', 'purchases', 'leads', 'landing_page_views', 'add_to_carts', 'attribution_window', 'loaded_at',
    ]) }}

),

final as (

    select
        platform,
        client_id,
        account_id,
        date_day,
        campaign_id,
        campaign_name,
        adset_id,
        adset_name,
        ad_id,
        ad_name,
        currency,
        impressions,
        reach,
        clicks,
        link_clicks,
        cast(spend as {{ money_type() }}) as spend,
        cast(conversions as {{ money_type() }}) as conversions,
        cast(conversion_value as {{ money_type() }}) as conversion_value,
        cast(purchases as {{ money_type() }}) as purchases,
        cast(leads as {{ money_type() }}) as leads,
        cast(landing_page_views as {{ money_type() }}) as landing_page_views,
        cast(add_to_carts as {{ money_type() }}) as add_to_carts,
        attribution_window,
        loaded_at
    from unioned

)

select * from final
