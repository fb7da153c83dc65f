with

source as (

    select * from {{ source('crm', 'contracts') }}

),

renamed as (

    select
        cast(contract_id as {{ dbt.type_string() }}) as contract_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        lower(product) as product,
        lower(support_tier) as support_tier,
        product = 'support_plan' as is_support_plan,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(mrr as decimal(18, 2)) as mrr,
        upper(currency) as currency,
        _batch_id as source_batch_id

    from source

)

select * from renamed
