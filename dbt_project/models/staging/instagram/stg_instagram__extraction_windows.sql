{#-
    The days each extraction of an account asked for: one row per account, source, window and
    extraction. `content`: the media (and their comments) listing; `account_metrics`: the account daily insights.
    What the marts know a month's coverage from (int_source_coverage); a narrow scan (no JSON), filtered by load time in incremental builds
    of the raw tables.
-#}
with

content as (

    select * from {{ source('raw_instagram', 'media') }}

),

account_metrics as (

    select * from {{ source('raw_instagram', 'user_insights') }}

),

final as (

    {{ extraction_windows({'content': 'content', 'account_metrics': 'account_metrics'}) }}

)

select * from final
