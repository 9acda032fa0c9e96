{#-
    One row per ad per ad-account day: delivery and spend from the insights row, conversions and
    their value from its actions in the configured attribution window (var
    `attribution_window`; `default` = the account's 7-day click + 1-day view). Conversions are
    the action types listed in var `conversion_action_types`.
-#}
{%- set conversion_types = var('conversion_action_types') -%}
{%- set value_column = attribution_column() -%}

with

insights as (

    select * from {{ ref('stg_meta_ads__ad_insights') }}

),

actions as (

    select * from {{ ref('stg_meta_ads__ad_actions') }}

),

actions_pivoted as (

    select
        ad_id,
        date_day,
        sum(case
            when value_kind = 'count' and action_type in ('{{ conversion_types | join("', '") }}')
                then {{ value_column }}
        end) as conversions,
        sum(case
            when value_kind = 'value' and action_type in ('{{ conversion_types | join("', '") }}')
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
        '{{ attribution_label() }}' as attribution_window,
        greatest(insights.loaded_at, coalesce(actions_pivoted.loaded_at, insights.loaded_at)) as loaded_at
    from insights
    left join actions_pivoted
        on insights.ad_id = actions_pivoted.ad_id
        and insights.date_day = actions_pivoted.date_day

)

select * from final
