with

source as (

    select * from {{ source('loader', 'load_manifest') }}

),

renamed as (

    select
        batch_id,
        entity,
        file_name,
        content_hash,
        rows_read,
        rows_landed,
        rows_rejected,
        status,
        error as error_message,
        loaded_at

    from source

)

select * from renamed
