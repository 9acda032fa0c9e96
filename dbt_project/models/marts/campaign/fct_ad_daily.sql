{{
    config(
        materialized='incremental',
        unique_key='ad_daily_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    Incremental: rows loaded since the last build, and every day that was not final at the last
    build (inside the account's re-fetch window: Meta restates conversions for 28 days), so `is_final`
    and restated numbers are recomputed exactly as a full refresh would.
-#}

with

ad_daily as (

    select * from {{ ref('int_ad_daily') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates') }}

),

{% if is_incremental() %}

watermark as (

    select
        max(loaded_at) as max_loaded_at,
        min(case when not is_final then date_day end) as first_open_date
    from {{ this }}

),

scoped as (

    select ad_daily.*
    from ad_daily
    cross join watermark
    -- an empty target (first run on an empty warehouse) takes everything
    where watermark.max_loaded_at is null
        or ad_daily.loaded_at > watermark.max_loaded_at
        or ad_daily.date_day >= watermark.first_open_date

),

{% else %}

scoped as (

    select * from ad_daily

),

{% endif %}

joined as (

    select
        {{ surrogate_key(['scoped.platform', 'scoped.ad_id', 'scoped.date_day']) }} as ad_daily_key,
        scoped.date_day,
        accounts.reporting_timezone as date_timezone,
        scoped.client_id,
        scoped.platform,
        scoped.account_id,
        accounts.account_key,
        scoped.campaign_id,
        {{ surrogate_key(['scoped.platform', 'scoped.campaign_id']) }} as campaign_key,
        scoped.adset_id,
        scoped.ad_id,
        {{ surrogate_key(['scoped.platform', 'scoped.ad_id']) }} as ad_key,
        scoped.impressions,
        scoped.reach,
        scoped.clicks,
        scoped.link_clicks,
        scoped.spend,
        scoped.currency,
        scoped.conversions,
        scoped.conversion_value,
        scoped.purchases,
        scoped.leads,
        scoped.landing_page_views,
        scoped.add_to_carts,
        scoped.attribution_window,
        accounts.reporting_currency,
        case
            when scoped.currency = accounts.reporting_currency then 1.0
            else reporting_rate.units_per_eur / account_rate.units_per_eur
        end as fx_rate,
        case
            when scoped.currency = accounts.reporting_currency then false
            else coalesce(reporting_rate.is_illustrative or account_rate.is_illustrative, false)
        end as is_fx_rate_illustrative,
        scoped.date_day < cast({{ dbt.dateadd('day', '-accounts.refetch_days', 'accounts.last_run_date') }} as date)
            as is_final,
        scoped.loaded_at
    from scoped
    inner join accounts
        on scoped.platform = accounts.platform
        and scoped.account_id = accounts.account_id
    left join fx_rates as account_rate
        on scoped.currency = account_rate.currency
        and scoped.date_day >= account_rate.valid_from
        and scoped.date_day < account_rate.valid_to
    left join fx_rates as reporting_rate
        on accounts.reporting_currency = reporting_rate.currency
        and scoped.date_day >= reporting_rate.valid_from
        and scoped.date_day < reporting_rate.valid_to

),

final as (

    select
        *,
        cast(spend * fx_rate as decimal(38, 6)) as spend_reporting,
        cast(conversion_value * fx_rate as decimal(38, 6)) as conversion_value_reporting
    from joined

)

select * from final
