{#-
    Exchange rates from the `fx_rates` seed as validity ranges: `units_per_eur` of a currency
    from `valid_from` until the next row's date. The seed's rates are ILLUSTRATIVE: replace
    them with your reference rates (e.g. ECB daily rates) before reporting money to a client.
-#}
with

rates as (

    select * from {{ ref('fx_rates') }}

),

final as (

    select
        currency,
        cast(valid_from as date) as valid_from,
        cast(
            coalesce(
                lead(valid_from) over (partition by currency order by valid_from),
                cast('9999-12-31' as date)
            ) as date
        ) as valid_to,
        cast(units_per_eur as {{ type_double() }}) as units_per_eur,
        is_illustrative
    from rates

)

select * from final
