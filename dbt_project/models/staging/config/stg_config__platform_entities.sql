{#- One row per landed entity of a registered platform, with its re-fetch window. -#}
with

source as (

    select * from {{ source('config', 'platform_entities') }}

),

final as (

    select
        platform,
        entity,
        is_snapshot,
        parent_entity,
        refetch_days
    from source

)

select * from final
