{#-
    One row per ad per day of the ad ACCOUNT's time zone. Every number arrives as a string;
    money stays decimal (exact), counts become integers. `actions` / `action_values` are
    unnested in stg_meta_ads__ad_actions.

    No window over the history here: the loader keeps one row per ad and day (latest extraction
    wins), and a pure projection lets `int_meta_ads__ad_daily`'s incremental filter on
    `loaded_at` reach the raw table's scan, so a nightly build parses only the new rows' JSON.
-#}
with

source as (

    select * from {{ source('raw_meta_ads', 'ad_insights') }}

),

final as (

    select
        {{ json_text('ad_id') }} as ad_id,
        coalesce({{ json_text('account_id') }}, _account_id) as account_id,
        _client_id as client_id,
        {{ dbt.safe_cast("(record ->> 'date_start')", 'date') }} as date_day,
        {{ dbt.safe_cast("(record ->> 'date_stop')", 'date') }} as date_stop,
        {{ json_text('campaign_id') }} as campaign_id,
        {{ json_text('campaign_name') }} as campaign_name,
        {{ json_text('adset_id') }} as adset_id,
        {{ json_text('adset_name') }} as adset_name,
        {{ json_text('ad_name') }} as ad_name,
        {{ json_text('account_currency') }} as currency,
        coalesce({{ json_decimal('spend', 2) }}, 0) as spend,
        coalesce({{ json_bigint('impressions') }}, 0) as impressions,
        {{ json_bigint('reach') }} as reach,
        coalesce({{ json_bigint('clicks') }}, 0) as clicks,
        {{ json_bigint('inline_link_clicks') }} as inline_link_clicks,
        {{ json_decimal('frequency') }} as frequency,
        {{ raw_lineage() }}
    from source

)

select * from final
