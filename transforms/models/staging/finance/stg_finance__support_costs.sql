with

source as (

    select * from {{ source('finance', 'support_costs') }}

),

renamed as (

    select
        cast(month as date) as cost_month,
        cost_category,
        amount,
        currency

    from source

)

select * from renamed
