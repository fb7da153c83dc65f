with

source as (

    select * from {{ source('helpdesk', 'engineers') }}

),

renamed as (

    select
        cast(engineer_id as {{ dbt.type_string() }}) as engineer_id,
        full_name,
        email,
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        team_name,
        lower(support_tier) as support_tier,
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        location,
        cast(hired_at as timestamp) as hired_at,
        cast(left_at as timestamp) as left_at,
        left_at is null as is_active,
        _batch_id as source_batch_id

    from source

)

select * from renamed
