with

rejects as (

    select * from {{ ref('stg_loader__load_rejects') }}

),

final as (

    select
        batch_id,
        entity,
        file_name,
        line_number,
        raw_row,
        reason
    from rejects

)

select * from final
