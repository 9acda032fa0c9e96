with

source as (

    select * from {{ source('raw_meta_ads', 'account') }}

),

final as (

    select
        coalesce({{ json_text('account_id') }}, {{ meta_account_id(json_text('id')) }}) as account_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ json_text('name') }} as account_name,
        {{ json_text('currency') }} as currency,
        {{ json_text('timezone_name') }} as timezone,
        {{ json_bigint('account_status') }} as account_status,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('_account_id, _snapshot_date') }}

)

select * from final
