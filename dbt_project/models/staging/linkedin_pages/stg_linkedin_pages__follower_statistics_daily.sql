{#- The organization's follower gains per UTC day (organic and through ads); the latest
    extraction wins. -#}
with

source as (

    select * from {{ source('raw_linkedin_pages', 'follower_statistics_daily') }}

),

final as (

    select
        _account_id as organization_id,
        _client_id as client_id,
        {{ linkedin_range_day() }} as date_day,
        {{ dbt.safe_cast("(record -> 'followerGains' ->> 'organicFollowerGain')", dbt.type_bigint()) }}
            as organic_follower_gain,
        {{ dbt.safe_cast("(record -> 'followerGains' ->> 'paidFollowerGain')", dbt.type_bigint()) }}
            as paid_follower_gain,
        {{ raw_lineage() }}
    from source
    {{ latest_extraction('_account_id, ' ~ linkedin_range_day()) }}

)

select * from final
