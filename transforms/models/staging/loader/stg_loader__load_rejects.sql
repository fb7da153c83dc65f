with

source as (

    select * from {{ source('loader', 'load_rejects') }}

),

renamed as (

    select
        batch_id,
        entity,
        file_name,
        line_number,
        raw_row,
        reason

    from source

)

select * from renamed
