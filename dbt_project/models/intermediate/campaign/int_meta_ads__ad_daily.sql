{{
    config(
        materialized='incremental',
        unique_key=['ad_id', 'date_day'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    One row per ad per ad-account day: delivery and spend from the insights row, conversions and
    their value from its actions in the configured attribution window (var
    `attribution_window`; `default` = the account's 7-day click + 1-day view). Conversions are
    the action types listed in var `conversion_action_types`.

    A table, built incrementally: each insight row's JSON is parsed once per load. The loader
    keeps one raw row per ad and day, replaced when Meta restates it (re-fetch window), so a
    nightly build reads only the rows loaded since the last build (`loaded_at` above the table's
    newest) and replaces those ad-days. `duplicate_action_items` counts action entries that
    repeat an (action type, kind) of the same row; a test keeps it at 0 (they would be summed).
-#}
{%- set conversion_types = var('meta_conversion_action_types') -%}
{%- set value_column = meta_attribution_column() -%}
{%- set is_new = loaded_after_watermark('loaded_at') -%}

with

insights as (

    select * from {{ ref('stg_meta_ads__ad_insights') }}
    where {{ is_new }}

),

actions as (

    select * from {{ ref('stg_meta_ads__ad_actions') }}
    where {{ is_new }}

),

actions_pivoted as (

    select
        ad_id,
        date_day,
        sum(case
            when value_kind = 'count' and action_type in ('{{ conversion_types | join("', '") }}')  -- noqa: LT05
                then {{ value_column }}
        end) as conversions,
        sum(case
            when value_kind = 'value' and action_type in ('{{ conversion_types | join("', '") }}')  -- noqa: LT05
                then {{ value_column }}
        end) as conversion_value,
        sum(case
            when value_kind = 'count' and action_type = 'offsite_conversion.fb_pixel_purchase'
                then {{ value_column }}
        end) as purchases,
        sum(case when value_kind = 'count' and action_type = 'lead' then {{ value_column }} end) as leads,
        sum(case
            when value_kind = 'count' and action_type = 'landing_page_view' then {{ value_column }}
        end) as landing_page_views,
        sum(case
            when value_kind = 'count' and action_type = 'add_to_cart' then {{ value_column }}
        end) as add_to_carts,
        count(*) - count(distinct row(value_kind, action_type)) as duplicate_action_items,
        max(loaded_at) as loaded_at
    from actions
    group by 1, 2

),

final as (

    select
        'meta_ads' as platform,
        insights.client_id,
        insights.account_id,
        insights.date_day,
        insights.campaign_id,
        insights.campaign_name,
        insights.adset_id,
        insights.adset_name,
        insights.ad_id,
        insights.ad_name,
        insights.currency,
        insights.impressions,
        insights.reach,
        insights.clicks,
        insights.inline_link_clicks as link_clicks,
        insights.spend,
        coalesce(actions_pivoted.conversions, 0) as conversions,
        coalesce(actions_pivoted.conversion_value, 0) as conversion_value,
        coalesce(actions_pivoted.purchases, 0) as purchases,
        coalesce(actions_pivoted.leads, 0) as leads,
        coalesce(actions_pivoted.landing_page_views, 0) as landing_page_views,
        coalesce(actions_pivoted.add_to_carts, 0) as add_to_carts,
        '{{ meta_attribution_label() }}' as attribution_window,
        coalesce(actions_pivoted.duplicate_action_items, 0) as duplicate_action_items,
        greatest(insights.loaded_at, coalesce(actions_pivoted.loaded_at, insights.loaded_at)) as loaded_at
    from insights
    left join actions_pivoted
        on insights.ad_id = actions_pivoted.ad_id
        and insights.date_day = actions_pivoted.date_day

)

select * from final
