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

    select distinct
        _client_id as client_id,
        _account_id as account_id,
        'ads' as source_name,
        _window_start as window_start,
        _window_end as window_end,
        _extracted_at as extracted_at,
        _loaded_at as loaded_at
    from ad_insights

)

select * from final
