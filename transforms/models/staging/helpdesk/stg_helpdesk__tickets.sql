with

source as (

    select * from {{ source('helpdesk', 'tickets') }}

),

renamed as (

    select
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(requester_id as {{ dbt.type_string() }}) as requester_id,
        cast(assignee_id as {{ dbt.type_string() }}) as assignee_id,
        lower(channel) as channel,
        lower(priority) as priority,
        lower(status) as status,
        lower(type) as ticket_type,
        lower(product_area) as product_area,
        lower(group_name) as group_name,
        language,
        subject,
        coalesce(is_proactive, false) as is_proactive,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        _batch_id as source_batch_id

    from source

)

select * from renamed
