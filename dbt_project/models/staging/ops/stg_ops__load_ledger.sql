{#- The load ledger's current rows (a file read again counts once, by its latest load). -#}
with

source as (

    select * from {{ source('ops', 'load_ledger') }}

),

final as (

    select
        platform,
        entity,
        client_id,
        account_id,
        run_id,
        data_file,
        extracted_at,
        status,
        coalesce(read_partial, false) as is_read_partial,
        records_in_manifest,
        records_loaded,
        records_quarantined
    from source
    where superseded_by is null

)

select * from final
