{{ config(materialized='table') }}

{#-
    Every configured account, conformed across platforms: its client, names, the time zone its
    platform reports days in, its currency (ads), its re-fetch window and its latest run date.
-#}
with

accounts as (

    select * from {{ ref('stg_config__accounts') }}

),

clients as (

    select * from {{ ref('stg_config__clients') }}

),

facebook_pages as (

    select * from {{ ref('stg_facebook__pages') }}

),

instagram_users as (

    select * from {{ ref('stg_instagram__users') }}

),

ad_accounts as (

    select * from {{ ref('stg_meta_ads__accounts') }}

),

facebook_posts as (

    select * from {{ ref('stg_facebook__posts') }}

),

instagram_media as (

    select * from {{ ref('stg_instagram__media') }}

),

ad_daily as (

    select * from {{ ref('int_meta_ads__ad_daily') }}

),

facebook_latest as (

    select
        'facebook' as platform,
        page_id as account_id,
        page_name as platform_account_name,
        cast(null as {{ dbt.type_string() }}) as username,
        followers_count,
        cast(null as {{ dbt.type_string() }}) as currency,
        '{{ var("meta_insights_timezone") }}' as reporting_timezone,
        snapshot_date
    from facebook_pages
    qualify row_number() over (partition by page_id order by snapshot_date desc) = 1

),

instagram_latest as (

    select
        'instagram' as platform,
        ig_user_id as account_id,
        display_name as platform_account_name,
        username,
        followers_count,
        cast(null as {{ dbt.type_string() }}) as currency,
        '{{ var("meta_insights_timezone") }}' as reporting_timezone,
        snapshot_date
    from instagram_users
    qualify row_number() over (partition by ig_user_id order by snapshot_date desc) = 1

),

ads_latest as (

    select
        'meta_ads' as platform,
        account_id,
        account_name as platform_account_name,
        cast(null as {{ dbt.type_string() }}) as username,
        cast(null as {{ dbt.type_bigint() }}) as followers_count,
        currency,
        timezone as reporting_timezone,
        snapshot_date
    from ad_accounts
    qualify row_number() over (partition by account_id order by snapshot_date desc) = 1

),

platform_latest as (

    select * from facebook_latest
    union all
    select * from instagram_latest
    union all
    select * from ads_latest

),

-- the last run date seen in any entity of the account (a failed account keeps an older one)
run_dates as (

    select 'facebook' as platform, page_id as account_id, max(snapshot_date) as last_run_date
    from facebook_posts
    group by 1, 2
    union all
    select 'facebook' as platform, page_id as account_id, max(snapshot_date) as last_run_date
    from facebook_pages
    group by 1, 2
    union all
    select 'instagram' as platform, ig_user_id as account_id, max(snapshot_date) as last_run_date
    from instagram_media
    group by 1, 2
    union all
    select 'instagram' as platform, ig_user_id as account_id, max(snapshot_date) as last_run_date
    from instagram_users
    group by 1, 2
    union all
    select 'meta_ads' as platform, account_id, max(snapshot_date) as last_run_date
    from ad_accounts
    group by 1, 2
    union all
    select 'meta_ads' as platform, account_id, max(date_day) as last_run_date
    from ad_daily
    group by 1, 2

),

last_runs as (

    select
        platform,
        account_id,
        max(last_run_date) as last_run_date
    from run_dates
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['accounts.platform', 'accounts.account_id']) }} as account_key,
        accounts.client_id,
        accounts.platform,
        accounts.account_id,
        coalesce(accounts.account_name, platform_latest.platform_account_name) as account_name,
        platform_latest.platform_account_name,
        platform_latest.username,
        platform_latest.followers_count,
        platform_latest.currency,
        coalesce(
            platform_latest.reporting_timezone,
            case
                when accounts.platform in ('facebook', 'instagram')
                    then '{{ var("meta_insights_timezone") }}'
            end
        ) as reporting_timezone,
        clients.timezone as client_timezone,
        clients.reporting_currency,
        accounts.refetch_days,
        last_runs.last_run_date
    from accounts
    inner join clients
        on accounts.client_id = clients.client_id
    left join platform_latest
        on accounts.platform = platform_latest.platform
        and accounts.account_id = platform_latest.account_id
    left join last_runs
        on accounts.platform = last_runs.platform
        and accounts.account_id = last_runs.account_id

)

select * from final
