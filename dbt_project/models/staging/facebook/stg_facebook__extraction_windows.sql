{#-
    The days each extraction of an account asked for: one row per account, source, window and
    extraction. `content`: the Page posts (posts and their comments) listing; `account_metrics`: the Page daily insights.
    What the marts know a month's coverage from (int_source_coverage); a narrow scan (no JSON), filtered by load time in incremental builds
    of the raw tables.
-#}
with

content as (

    select * from {{ source('raw_facebook', 'posts') }}

),

account_metrics as (

    select * from {{ source('raw_facebook', 'page_insights') }}

),

unioned as (

    select
        _client_id,
        _account_id,
        'content' as source_name,
        _window_start,
        _window_end,
        _extracted_at,
        _loaded_at
    from content
    union all
    select
        _client_id,
        _account_id,
        'account_metrics' as source_name,
        _window_start,
        _window_end,
        _extracted_at,
        _loaded_at
    from account_metrics

),

final as (

    select distinct
        _client_id as client_id,
        _account_id as account_id,
        source_name,
        _window_start as window_start,
        _window_end as window_end,
        _extracted_at as extracted_at,
        _loaded_at as loaded_at
    from unioned

)

select * from final
