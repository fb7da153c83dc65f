with

manifest as (

    select * from {{ ref('stg_loader__load_manifest') }}

),

final as (

    select
        batch_id,
        entity,
        file_name,
        content_hash,
        cast(rows_read as bigint) as rows_read,
        cast(rows_landed as bigint) as rows_landed,
        cast(rows_rejected as bigint) as rows_rejected,
        status,
        error_message,
        loaded_at,
        rows_read = rows_landed + rows_rejected as is_reconciled
    from manifest

)

select * from final
