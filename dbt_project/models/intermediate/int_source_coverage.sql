{{
    config(
        materialized='incremental',
        unique_key=['platform', 'account_id', 'source_name'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    One row per account and source: the days its extractions cover, in the days the source is
    reported in. A day counts as covered when an extraction asked for it and ran after the day
    had ended in that time zone (a day extracted while under way is partial): the client's time
    zone for posts and comments (`content`), else the platform's reporting day (Meta's Pacific
    day for account metrics, the ad account's time zone for ads). Runs are assumed to follow each other without gaps (a failed
    night is re-read by the next night's re-fetch window).
    Incremental: only the windows loaded since the last build are read (a constant filter on
    the raw tables' load time), and merged with the coverage already built for their accounts.
-#}
with

accounts as (

    select * from {{ ref('int_accounts') }}

),

{%- set loaded = loaded_after_watermark('loaded_at') %}

-- every registered platform's extraction windows (config.platforms), loaded since the last build
windows as (

    {{ union_platform_models('stg_{platform}__extraction_windows', where=loaded, add_platform=true) }}

),

zoned as (

    select
        windows.platform,
        accounts.client_id,
        windows.account_id,
        windows.source_name,
        case
            when windows.source_name = 'content' then accounts.client_timezone
            -- account metrics and ads: the platform's reporting day (registry rule)
            else accounts.reporting_timezone
        end as day_timezone,
        windows.window_start,
        windows.window_end,
        windows.extracted_at,
        windows.loaded_at
    from windows
    inner join accounts
        on windows.platform = accounts.platform
        and windows.account_id = accounts.account_id

),

new_coverage as (

    select
        platform,
        client_id,
        account_id,
        source_name,
        day_timezone,
        min(window_start) as covered_from,
        -- the last day asked for that had ended when it was extracted
        max(
            least(
                window_end,
                cast({{ dbt.dateadd('day', -1, local_date('extracted_at', 'day_timezone')) }} as date)
            )
        ) as covered_through,
        max(loaded_at) as loaded_at
    from zoned
    group by 1, 2, 3, 4, 5

),

{% if is_incremental() %}

merged as (

    select * from new_coverage
    union all
    select
        built.platform,
        built.client_id,
        built.account_id,
        built.source_name,
        built.day_timezone,
        built.covered_from,
        built.covered_through,
        built.loaded_at
    from {{ this }} as built
    inner join new_coverage
        on built.platform = new_coverage.platform
        and built.account_id = new_coverage.account_id
        and built.source_name = new_coverage.source_name

),

{% else %}

merged as (

    select * from new_coverage

),

{% endif %}

final as (

    select
        platform,
        client_id,
        account_id,
        source_name,
        max(day_timezone) as day_timezone,
        min(covered_from) as covered_from,
        max(covered_through) as covered_through,
        max(loaded_at) as loaded_at
    from merged
    group by 1, 2, 3, 4

)

select * from final
