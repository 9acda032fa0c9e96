{#- The days each extraction of a Google Ads account asked for (daily ad metrics, re-fetch window
    included): what int_source_coverage knows a month's coverage from. -#}
with

ad_metrics as (

    select * from {{ source('raw_google_ads', 'ad_metrics') }}

),

final as (

    {{ extraction_windows({'ads': 'ad_metrics'}) }}

)

select * from final
