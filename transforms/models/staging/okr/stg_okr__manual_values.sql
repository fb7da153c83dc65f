with

source as (

    select * from {{ source('okr', 'okr_manual_values') }}

),

renamed as (

    select
        kr_id,
        period,
        case
            when {{ dbt.position("'Q'", 'period') }} > 0 then 'quarter'
            else 'month'
        end as period_type,
        cast(value as double) as value,
        note as note_text

    from source

)

select * from renamed
