with

source as (

    select * from {{ source('raw_instagram', 'user') }}

),

final as (

    select
        {{ json_text('id') }} as ig_user_id,
        _client_id as client_id,
        _snapshot_date as snapshot_date,
        {{ json_text('username') }} as username,
        {{ json_text('name') }} as display_name,
        {{ json_bigint('followers_count') }} as followers_count,
        {{ json_bigint('follows_count') }} as follows_count,
        {{ json_bigint('media_count') }} as media_count,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('record ->> \'id\', _snapshot_date') }}

)

select * from final
