{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
{#-
    Incremental (delete+insert per ticket, macros/sla_incremental.sql): a build
    recomputes only the tickets whose events changed.

    One row per period a ticket spent in one status, from its event log: the `created`
    event opens a `new` period, every `status_changed` event opens a period in its
    to_value. Events are ordered by event_at, then event_id (several events can share
    an instant); events after var('as_of') are not yet known. ended_at is null for the
    period the ticket is in now.
-#}
with

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}

),

status_events as (

    select
        ticket_id,
        event_id,
        event_at,
        actor_id,
        actor_role,
        case when event_type = 'created' then 0 else 1 end as event_rank,
        case when event_type = 'created' then 'new' else lower(to_value) end as status
    from events
    where
        event_type in ('created', 'status_changed')
        and event_at <= {{ pulse_as_of() }}
        -- incremental runs only: tickets changed since the last build. sqlfluff lints the
        -- full-refresh render, where this is empty, and so wants it at the CTE's indent
        {{ pulse_changed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

sequenced as (

    select
        ticket_id,
        event_id,
        event_at,
        actor_id,
        actor_role,
        status,
        lag(status) over ticket_timeline as previous_status,
        lead(event_at) over ticket_timeline as next_event_at,
        row_number() over ticket_timeline as interval_number
    from status_events
    window ticket_timeline as (partition by ticket_id order by event_at, event_rank, event_id)

),

final as (

    select
        ticket_id,
        interval_number,
        event_id as opened_by_event_id,
        actor_id as opened_by_actor_id,
        actor_role as opened_by_actor_role,
        status,
        previous_status,
        event_at as started_at,
        next_event_at as ended_at,
        status in ('new', 'open', 'on_hold') as is_clock_running,
        status in ('solved', 'closed') as is_done,
        -- reopen: from solved or closed back to any other status
        (
            coalesce(previous_status in ('solved', 'closed'), false)
            and status not in ('solved', 'closed')
        ) as is_reopen,
        -- a resolution: into solved (or closed) from a not-done status; closed after
        -- solved changes nothing
        (
            status in ('solved', 'closed')
            and coalesce(previous_status not in ('solved', 'closed'), true)
        ) as is_resolution,
        {{ pulse_watermark_columns() }}
    from sequenced

)

select * from final
