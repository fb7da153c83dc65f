{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
-- Incremental like the SLA models it sits on (macros/sla_incremental.sql): a build
-- recomputes only the tickets of int_sla_recomputed_tickets, whole - changed events or
-- ticket row, and also a changed contract or account (the clock states follow the
-- ticket's targets, so its tier) and the tickets not yet done.
-- One row per event of every ticket known at as_of, with the ticket's state after it:
-- group, assignee, status and priority after the event, and where the SLA clocks
-- stand after it. The ticket page's timeline reads this mart only.
--   clock_state (resolution clock): running in new / open / on_hold; paused in pending,
--   and in solved or closed while a later reopen is still to come; stopped from the
--   final resolution on (the ticket is solved or closed at as_of and is not reopened
--   after the event). first_response_clock_state: running until the first response
--   (or the first solve without one), stopped after it. Both are null for tickets
--   without that SLA target (free tier; proactive tickets for first response).
--   An event stamped before the ticket's `created` event (the loader accepts up to
--   its clock-skew allowance, 5 minutes, before creation) finds the ticket `new`.

with

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}

),

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

known_events as (

    select
        events.*,
        case when events.event_type = 'created' then 0 else 1 end as event_rank
    from events
    where
        events.event_at <= {{ pulse_as_of() }}
        -- incremental runs only: the tickets this build recomputes
        {{ pulse_recomputed_tickets_filter('events.ticket_id') }}  -- noqa: LT02

),

targets as (

    select
        ticket_id,
        max(case when metric = 'resolution' then 1 else 0 end) = 1 as has_resolution_target,
        max(case when metric = 'first_response' then 1 else 0 end) = 1
            as has_first_response_target,
        max(case when metric = 'first_response' then completed_at end)
            as first_response_completed_at
    from outcomes
    group by ticket_id

),

sequenced as (

    select
        known_events.*,
        row_number() over ticket_timeline as event_number,
        -- the value each kind of change sets, carried forward to every later event
        {{ pulse_last_value_ignoring_nulls("
            case
                when known_events.event_type = 'group_changed' then lower(known_events.to_value)
            end
        ") }} over ticket_history as group_set,
        {{ pulse_last_value_ignoring_nulls("
            case
                when known_events.event_type = 'assigned' then known_events.to_value
            end
        ") }} over ticket_history as assignee_set,
        {{ pulse_last_value_ignoring_nulls("
            case
                when known_events.event_type = 'created' then 'new'
                when known_events.event_type = 'status_changed' then lower(known_events.to_value)
            end
        ") }} over ticket_history as status_set,
        {{ pulse_last_value_ignoring_nulls("
            case
                when known_events.event_type = 'priority_changed' then lower(known_events.to_value)
            end
        ") }} over ticket_history as priority_set,
        -- before the first change, the value the first change started from
        {{ pulse_first_value_ignoring_nulls("
            case
                when known_events.event_type = 'group_changed' then lower(known_events.from_value)
            end
        ") }} over ticket_all as first_group_from,
        {{ pulse_first_value_ignoring_nulls("
            case
                when
                    known_events.event_type = 'priority_changed'
                    then lower(known_events.from_value)
            end
        ") }} over ticket_all as first_priority_from,
        -- the last reopen (solved or closed back to another status) of the ticket
        max(case
            when
                known_events.event_type = 'status_changed'
                and lower(known_events.from_value) in ('solved', 'closed')
                and lower(known_events.to_value) not in ('solved', 'closed')
                then known_events.event_at
        end) over (partition by known_events.ticket_id) as last_reopen_at,
        {{ pulse_last_value_ignoring_nulls("
            case
                when known_events.event_type = 'created' then 'new'
                when known_events.event_type = 'status_changed' then lower(known_events.to_value)
            end
        ") }} over ticket_all as status_at_as_of
    from known_events
    window
        ticket_timeline as (partition by ticket_id order by event_at, event_rank, event_id),
        ticket_history as (
            partition by ticket_id order by event_at, event_rank, event_id
            rows between unbounded preceding and current row
        ),
        ticket_all as (
            partition by ticket_id order by event_at, event_rank, event_id
            rows between unbounded preceding and unbounded following
        )

),

final as (

    select
        sequenced.event_id,
        sequenced.ticket_id,
        cast(sequenced.event_number as bigint) as event_number,
        sequenced.event_at,
        sequenced.event_type,
        sequenced.actor_id,
        sequenced.actor_role,
        sequenced.is_public,
        sequenced.from_value,
        sequenced.to_value,
        coalesce(sequenced.group_set, sequenced.first_group_from, tickets.group_name)
            as group_after,
        sequenced.assignee_set as assignee_after,
        coalesce(sequenced.status_set, 'new') as status_after,
        coalesce(sequenced.priority_set, sequenced.first_priority_from, tickets.priority)
            as priority_after,
        case
            when not coalesce(targets.has_resolution_target, false) then null
            when
                coalesce(sequenced.status_set, 'new') in ('new', 'open', 'on_hold')
                then 'running'
            when
                sequenced.status_set in ('solved', 'closed')
                and sequenced.status_at_as_of in ('solved', 'closed')
                and (
                    sequenced.last_reopen_at is null
                    or sequenced.event_at >= sequenced.last_reopen_at
                )
                then 'stopped'
            else 'paused'
        end as clock_state,
        case
            when not coalesce(targets.has_first_response_target, false) then null
            when
                targets.first_response_completed_at is not null
                and sequenced.event_at >= targets.first_response_completed_at
                then 'stopped'
            else 'running'
        end as first_response_clock_state,
        sequenced.source_batch_id,
        {{ pulse_watermark_columns() }}
    from sequenced
    left join tickets
        on sequenced.ticket_id = tickets.ticket_id
    left join targets
        on sequenced.ticket_id = targets.ticket_id

)

select * from final
