{#-
    The ECB's euro reference rates as validity ranges: a currency's rate of publication day
    `rate_date` holds until its next publication (`next_rate_date`, exclusive; NULL for the
    newest), so weekends and TARGET holidays take the last published rate. `rates_through` is
    the newest publication day of the whole file: a day after it is converted with a rate that
    a newer file may replace (`ruche fx update`).
-#}
with

rates as (

    select * from {{ ref('stg_config__fx_rates') }}

),

published as (

    select max(rate_date) as rates_through
    from rates

),

final as (

    select
        rates.currency,
        rates.rate_date,
        lead(rates.rate_date) over (partition by rates.currency order by rates.rate_date) as next_rate_date,
        rates.units_per_eur,
        published.rates_through
    from rates
    cross join published

)

select * from final
