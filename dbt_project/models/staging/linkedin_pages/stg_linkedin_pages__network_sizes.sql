with

source as (

    select * from {{ source('raw_linkedin_pages', 'network_size') }}

),

final as (

    select
        _account_id as organization_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ json_bigint('firstDegreeSize') }} as followers_count,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('_account_id, _snapshot_date') }}

)

select * from final
