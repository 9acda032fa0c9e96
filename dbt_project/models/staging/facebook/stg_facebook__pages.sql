with

source as (

    select * from {{ source('raw_facebook', 'page') }}

),

final as (

    select
        {{ json_text('id') }} as page_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ json_text('name') }} as page_name,
        {{ json_bigint('followers_count') }} as followers_count,
        {{ json_bigint('fan_count') }} as fan_count,
        {{ json_text('link') }} as page_url,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('record ->> \'id\', _snapshot_date') }}

)

select * from final
