with

source as (

    select * from {{ source('crm', 'accounts') }}

),

renamed as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        account_name,
        industry,
        lower(segment) as segment,
        region,
        cast(tam_id as {{ dbt.type_string() }}) as tam_id,
        cast(created_at as timestamp) as created_at,
        _batch_id as source_batch_id

    from source

)

select * from renamed
