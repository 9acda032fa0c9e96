{#- One row per LinkedIn ad account per run date: its name and currency (every cost of the
    account is in it). LinkedIn ad accounts have no time zone: adAnalytics days are UTC days. -#}
with

source as (

    select * from {{ source('raw_linkedin_ads', 'ad_account') }}

),

final as (

    select
        coalesce(record ->> 'id', _account_id) as account_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        record ->> 'name' as account_name,
        record ->> 'currency' as currency,
        record ->> 'status' as status,
        'UTC' as timezone,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('_account_id, _snapshot_date') }}

)

select * from final
