{{
    config(
        materialized='incremental',
        unique_key='post_snapshot_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

{#-
    Incremental: every snapshot date from the oldest one loaded since the last build, and at
    least the re-fetch window before the newest one built (a re-run of a date replaces its rows).
-#}

with

metrics as (

    select * from {{ ref('int_post_metrics_daily') }}

),

posts as (

    select * from {{ ref('int_posts') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

{% if is_incremental() %}

{#- The first snapshot date to rebuild, a constant read before the build so DuckDB prunes the
    raw scans on `_snapshot_date`: the oldest snapshot date among raw rows loaded since the last
    build (a re-run of an old date included), or the re-fetch window before the newest snapshot
    built, whichever is earlier. -#}
{%- set rebuild_from = none %}
{%- set max_loaded_at = watermark('loaded_at') %}
{%- if execute and max_loaded_at is not none %}
{%- set query %}
    select cast(least(
        (
            select min(_snapshot_date) from (
                {%- for platform, entity in post_snapshot_entities() %}
                select _snapshot_date from {{ source('raw_' ~ platform, entity) }}
                where _loaded_at > cast({{ max_loaded_at }} as timestamp with time zone)
                {{ 'union all' if not loop.last }}
                {%- else %}
                select cast(null as date) as _snapshot_date
                {%- endfor %}
            ) as changed
        ),
        (
            select cast(max(snapshot_date) - to_days(
                (select max(refetch_days) from {{ ref('int_accounts') }}
                 where platform_family = 'organic')
            ) as date)
            from {{ this }}
        )
    ) as varchar)
{%- endset %}
{%- set rebuild_from = run_query(query).columns[0].values()[0] %}
{%- endif %}

scoped_metrics as (

    select * from metrics
    {% if rebuild_from is not none -%}
    where snapshot_date >= cast('{{ rebuild_from }}' as date)
    {%- endif %}

),

{% else %}

scoped_metrics as (

    select * from metrics

),

{% endif %}

final as (

    select
        {{ surrogate_key(['scoped_metrics.post_key', 'scoped_metrics.snapshot_date']) }} as post_snapshot_key,
        scoped_metrics.post_key,
        scoped_metrics.snapshot_date,
        scoped_metrics.client_id,
        scoped_metrics.platform,
        scoped_metrics.account_id,
        accounts.account_key,
        scoped_metrics.post_id,
        scoped_metrics.extracted_at,
        {{ dbt.datediff('posts.published_at', 'scoped_metrics.extracted_at', 'minute') }} / 60.0  -- noqa: LT05
            as hours_since_published,
        {{ dbt.datediff('posts.published_date_local', 'scoped_metrics.snapshot_date', 'day') }}
            as days_since_published,
        scoped_metrics.views,
        scoped_metrics.reach,
        scoped_metrics.reactions,
        scoped_metrics.comments,
        scoped_metrics.shares,
        scoped_metrics.saves,
        scoped_metrics.clicks,
        scoped_metrics.engagements,
        scoped_metrics.has_insights,
        -- the post is still re-read (its counters may still grow) on this snapshot date
        {{ dbt.datediff('posts.published_date_local', 'scoped_metrics.snapshot_date', 'day') }}
            <= accounts.refetch_days as is_within_refetch_window,  -- noqa: LT02
        scoped_metrics.loaded_at
    from scoped_metrics
    inner join posts
        on scoped_metrics.post_key = posts.post_key
    inner join accounts
        on scoped_metrics.platform = accounts.platform
        and scoped_metrics.account_id = accounts.account_id

)

select * from final
