-- Ticket events whose ticket is unknown to the warehouse (no row in the tickets
-- extract): they take no part in any metric.

with

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}

),

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

final as (

    select
        events.event_id,
        events.ticket_id,
        events.event_at,
        events.event_type,
        events.actor_role,
        events.source_batch_id
    from events
    left join tickets
        on events.ticket_id = tickets.ticket_id
    where tickets.ticket_id is null

)

select * from final
