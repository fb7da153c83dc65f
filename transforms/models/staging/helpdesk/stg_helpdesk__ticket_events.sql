with

source as (

    select * from {{ source('helpdesk', 'ticket_events') }}

),

renamed as (

    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(event_at as timestamp) as event_at,
        lower(event_type) as event_type,
        cast(actor_id as {{ dbt.type_string() }}) as actor_id,
        lower(actor_role) as actor_role,
        coalesce(is_public, false) as is_public,
        from_value,
        to_value,
        _batch_id as source_batch_id

    from source

)

select * from renamed
