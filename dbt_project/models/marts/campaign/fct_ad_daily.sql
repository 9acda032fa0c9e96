{{
    config(
        materialized='incremental',
        unique_key='ad_daily_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    Incremental: rows loaded since the last build, every day that was not final at the last
    build (inside the account's re-fetch window: Meta restates conversions for 28 days), and
    every day converted with a provisional rate (after the newest ECB rate of the last build:
    a newer rates file may give that day its own rate), so `is_final`, restated numbers and
    rates are recomputed exactly as a full refresh would.

    Money is exact: amounts DECIMAL(38, 6) in the account's currency; the reporting-currency
    amounts are amount × reporting units per EUR ÷ account units per EUR (the ECB's cross
    rate through EUR), divided exactly and rounded half away from zero to 6 decimals. A day
    needing a rate that does not exist fails the build (assert_fx_rates_available).
-#}
{{ assert_fx_rates_available(ref('int_ad_fx_rates')) }}

with

ad_daily as (

    select * from {{ ref('int_ad_daily') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

fx_rates as (

    select * from {{ ref('int_ad_fx_rates') }}

),

{% if is_incremental() %}

watermark as (

    select
        max(loaded_at) as max_loaded_at,
        min(case when not is_final then date_day end) as first_open_date,
        min(case when is_fx_rate_provisional then date_day end) as first_provisional_date
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
        or ad_daily.date_day >= watermark.first_provisional_date

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
        scoped.currency = accounts.reporting_currency as is_same_currency,
        account_rate.units_per_eur as account_units_per_eur,
        reporting_rate.units_per_eur as reporting_units_per_eur,
        case
            when scoped.currency = accounts.reporting_currency then scoped.date_day
            else least(account_rate.rate_date, reporting_rate.rate_date)
        end as fx_rate_date,
        coalesce(
            scoped.currency != accounts.reporting_currency
            and (account_rate.carried_days > 0 or reporting_rate.carried_days > 0),
            false
        ) as is_fx_rate_carried,
        coalesce(
            scoped.currency != accounts.reporting_currency
            and (account_rate.is_provisional or reporting_rate.is_provisional),
            false
        ) as is_fx_rate_provisional,
        scoped.date_day < cast({{ dbt.dateadd('day', '-accounts.refetch_days', 'accounts.last_run_date') }} as date)
            as is_final,
        scoped.loaded_at
    from scoped
    inner join accounts
        on scoped.platform = accounts.platform
        and scoped.account_id = accounts.account_id
    left join fx_rates as account_rate
        on scoped.currency = account_rate.currency
        and scoped.date_day = account_rate.date_day
    left join fx_rates as reporting_rate
        on accounts.reporting_currency = reporting_rate.currency
        and scoped.date_day = reporting_rate.date_day

),

final as (

    select
        ad_daily_key,
        date_day,
        date_timezone,
        client_id,
        platform,
        account_id,
        account_key,
        campaign_id,
        campaign_key,
        adset_id,
        ad_id,
        ad_key,
        impressions,
        reach,
        clicks,
        link_clicks,
        spend,
        currency,
        conversions,
        conversion_value,
        purchases,
        leads,
        landing_page_views,
        add_to_carts,
        attribution_window,
        reporting_currency,
        case
            when is_same_currency then cast(1 as decimal(38, 10))
            else {{ exact_convert('1', 'reporting_units_per_eur', 'account_units_per_eur', 10) }}
        end as fx_rate,
        fx_rate_date,
        is_fx_rate_carried,
        is_fx_rate_provisional,
        case
            when is_same_currency then spend
            else {{ exact_convert('spend', 'reporting_units_per_eur', 'account_units_per_eur') }}
        end as spend_reporting,
        case
            when is_same_currency then conversion_value
            else {{ exact_convert('conversion_value', 'reporting_units_per_eur', 'account_units_per_eur') }}
        end as conversion_value_reporting,
        is_final,
        loaded_at
    from joined

)

select * from final
