with

source as (

    select * from {{ source('raw_x', 'user') }}

),

final as (

    select
        {{ json_text('id') }} as user_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ json_text('username') }} as username,
        {{ json_text('name') }} as display_name,
        {{ dbt.safe_cast("(record -> 'public_metrics' ->> 'followers_count')", dbt.type_bigint()) }}
            as followers_count,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('record ->> \'id\', _snapshot_date') }}

)

select * from final
