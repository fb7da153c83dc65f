with

source as (

    select * from {{ source('crm', 'opportunities') }}

),

renamed as (

    select
        cast(opportunity_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        lower(stage) as stage,
        lower(type) as opportunity_type,
        cast(amount as decimal(18, 2)) as amount,
        upper(currency) as currency,
        coalesce(lower(competitor), 'none') as competitor,
        coalesce(had_poc, false) as had_poc,
        poc_succeeded,
        cast(support_credit_engineer_id as {{ dbt.type_string() }}) as support_credit_engineer_id,
        cast(coalesce(support_credit_pct, 0) as decimal(5, 2)) as support_credit_pct,
        stage in ('closed_won', 'closed_lost') as is_closed,
        stage = 'closed_won' as is_won,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(closed_at as timestamp) as closed_at

    from source

)

select * from renamed
