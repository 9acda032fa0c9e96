{#- The days each extraction of a LinkedIn ad account asked for (daily adAnalytics, re-fetch
    window included): what int_source_coverage knows a month's coverage from. -#}
with

ad_analytics as (

    select * from {{ source('raw_linkedin_ads', 'ad_analytics') }}

),

final as (

    {{ extraction_windows({'ads': 'ad_analytics'}) }}

)

select * from final
