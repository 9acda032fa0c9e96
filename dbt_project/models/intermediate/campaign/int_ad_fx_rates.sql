{#-
    One row per day and currency that converting the ad days needs: every account currency and
    reporting currency of the ad days whose two currencies differ. The rate is the ECB's of
    that day, or the last one published before it (weekends, TARGET holidays, days after the
    newest file: `carried_days` > 0), cross rates going through EUR. A rate carried for more
    than var `fx_max_carry_days` days (env RUCHE_FX_MAX_CARRY_DAYS, default 7), a day before
    a currency's first rate, and a currency the ECB does not publish have NO rate
    (`units_per_eur` NULL): fct_ad_daily then fails the build naming them. Never 1.
-#}
{%- set max_carry_days = var('fx_max_carry_days') | int -%}
with

ad_daily as (

    select * from {{ ref('int_ad_daily') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

rates as (

    select * from {{ ref('int_fx_rates') }}

),

published as (

    select max(rates_through) as rates_through
    from rates

),

pairs as (

    select distinct
        ad_daily.date_day,
        ad_daily.currency as account_currency,
        accounts.reporting_currency
    from ad_daily
    inner join accounts
        on ad_daily.platform = accounts.platform
        and ad_daily.account_id = accounts.account_id
    where ad_daily.currency is null
        or ad_daily.currency != accounts.reporting_currency

),

needed as (

    select
        date_day,
        account_currency as currency
    from pairs
    union
    select
        date_day,
        reporting_currency as currency
    from pairs

),

resolved as (

    select
        needed.date_day,
        needed.currency,
        case
            -- the ECB's reference currency: 1 by definition, every day
            when needed.currency = 'EUR' then cast(1 as decimal(18, 6))
            else rates.units_per_eur
        end as units_per_eur,
        case when needed.currency = 'EUR' then needed.date_day else rates.rate_date end as rate_date,
        case
            when needed.currency = 'EUR' then 0
            else {{ dbt.datediff('rates.rate_date', 'needed.date_day', 'day') }}  -- noqa: LT05
        end as carried_days
    from needed
    left join rates
        on needed.currency = rates.currency
        and needed.date_day >= rates.rate_date
        and (rates.next_rate_date is null or needed.date_day < rates.next_rate_date)

),

final as (

    select
        resolved.date_day,
        resolved.currency,
        case when resolved.carried_days <= {{ max_carry_days }} then resolved.units_per_eur end as units_per_eur,
        resolved.rate_date,
        resolved.carried_days,
        resolved.currency != 'EUR' and resolved.date_day > published.rates_through as is_provisional,
        published.rates_through
    from resolved
    cross join published

)

select * from final
