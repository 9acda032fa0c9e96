{#-
    The days each extraction of an organization asked for: one row per account, source, window
    and extraction. `content`: the posts (and their comments) listing; `account_metrics`: the
    daily share statistics. A narrow scan (no JSON).
-#}
with

content as (

    select * from {{ source('raw_linkedin_pages', 'posts') }}

),

account_metrics as (

    select * from {{ source('raw_linkedin_pages', 'share_statistics_daily') }}

),

final as (

    {{ extraction_windows({'content': 'content', 'account_metrics': 'account_metrics'}) }}

)

select * from final
