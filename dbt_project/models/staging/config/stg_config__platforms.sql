{#- One row per registered platform (the registry as data): family, reporting day, windows. -#}
with

source as (

    select * from {{ source('config', 'platforms') }}

),

final as (

    select
        platform,
        platform_order,
        label as platform_label,
        family as platform_family,
        reporting_day,
        refetch_days,
        api_version,
        api_sunset
    from source

)

select * from final
