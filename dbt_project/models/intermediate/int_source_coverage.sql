{{ config(materialized='table') }}

{#-
    One row per account and source: the days its extractions cover, in the days the source is
    reported in. A day counts as covered when an extraction asked for it and ran after the day
    had ended in that time zone (a day extracted while under way is partial): the client's time
    zone for posts and comments (`content`), Meta's Pacific day for account metrics, the ad
    account's time zone for ads. Runs are assumed to follow each other without gaps (a failed
    night is re-read by the next night's re-fetch window).
-#}
with

facebook_windows as (

    select * from {{ ref('stg_facebook__extraction_windows') }}

),

instagram_windows as (

    select * from {{ ref('stg_instagram__extraction_windows') }}

),

ads_windows as (

    select * from {{ ref('stg_meta_ads__extraction_windows') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

windows as (

    select 'facebook' as platform, * from facebook_windows
    union all
    select 'instagram' as platform, * from instagram_windows
    union all
    select 'meta_ads' as platform, * from ads_windows

),

zoned as (

    select
        windows.platform,
        accounts.client_id,
        windows.account_id,
        windows.source_name,
        case
            when windows.source_name = 'content' then accounts.client_timezone
            when windows.source_name = 'account_metrics' then '{{ var("meta_insights_timezone") }}'
            else accounts.reporting_timezone
        end as day_timezone,
        windows.window_start,
        windows.window_end,
        windows.extracted_at
    from windows
    inner join accounts
        on windows.platform = accounts.platform
        and windows.account_id = accounts.account_id

),

final as (

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
        ) as covered_through
    from zoned
    group by 1, 2, 3, 4, 5

)

select * from final
