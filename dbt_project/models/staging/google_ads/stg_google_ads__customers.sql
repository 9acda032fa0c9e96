with

source as (

    select * from {{ source('raw_google_ads', 'customer') }}

),

final as (

    select
        coalesce(record -> 'customer' ->> 'id', _account_id) as account_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        record -> 'customer' ->> 'descriptiveName' as account_name,
        record -> 'customer' ->> 'currencyCode' as currency,
        record -> 'customer' ->> 'timeZone' as timezone,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('_account_id, _snapshot_date') }}

)

select * from final
