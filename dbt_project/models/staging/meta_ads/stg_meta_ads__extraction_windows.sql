{#-
    The days each extraction of an ad account asked for: one row per ad account, window and
    extraction of the ad daily insights. What the marts know a month's coverage from
    (int_source_coverage); a narrow scan (no JSON), filtered by load time in incremental builds of the raw table.
-#}
with

ad_insights as (

    select * from {{ source('raw_meta_ads', 'ad_insights') }}

),

final as (

    {{ extraction_windows({'ads': 'ad_insights'}) }}

)

select * from final
