with

source as (

    select * from {{ source('vendor_sla', 'vendor_sla_events') }}

),

renamed as (

    select
        cast(vendor as {{ dbt.type_string() }}) as vendor,
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(vendor_metric as {{ dbt.type_string() }}) as vendor_metric,
        lower(metric) as metric,
        cast(instance_id as integer) as instance_id,
        lower(event_type) as event_type,
        cast(event_at as timestamp) as event_at,
        cast(target_minutes as integer) as target_minutes,
        business_hours as is_business_hours,
        policy as policy_name,
        _batch_id as source_batch_id

    from source

)

select * from renamed
