{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
-- What an engineer is credited with on a ticket, from the ticket's own rows, as
-- DESIGN s5 says: first-response outcomes to the author of the first response;
-- resolution outcomes and solves (FCR, reopen) to the engineer assigned when the
-- ticket was last solved (a solve is first-contact for that engineer when the
-- engineer sent at most one public reply on the ticket before the solve, and the
-- ticket was never reopened and not escalated after the engineer first took it: a
-- tier-2/3 engineer is not blamed for the escalation that brought the ticket to
-- them); escalations to the assignee before the group change; public comments make
-- the tickets handled. int_engineer_activities_unioned adds CSAT, QA reviews and KB
-- articles, which come from their own extracts.
--
-- Incremental (issue 16 item 3): every input is one ticket's own rows, so only the
-- tickets of int_sla_recomputed_tickets are recomputed and replaced; a carried ticket
-- is done and unchanged, and nothing of it falls between the previous as_of and this
-- one (macros/sla_incremental.sql).

with

tickets as (

    select * from {{ ref('int_tickets_summarised') }}
    where
        true
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

sla_outcomes as (

    -- the engineer metrics are first response and resolution (DESIGN s5)
    select * from {{ ref('int_sla_outcomes_resolved') }}
    where
        metric in ('first_response', 'resolution')
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

escalations as (

    select * from {{ ref('int_escalations_attributed') }}
    where
        true
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}
    where
        true
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

quarter_hours as (

    select * from {{ ref('int_quarter_hours_localized') }}

),

sla_activities as (

    select
        coalesce(
            sla_outcomes.engineer_id,
            case
                when sla_outcomes.metric = 'first_response' then tickets.first_responder_id
                else tickets.solver_id
            end
        ) as engineer_id,
        sla_outcomes.metric as activity,
        sla_outcomes.ticket_id,
        sla_outcomes.ticket_id as source_id,
        sla_outcomes.outcome_at as activity_at,
        sla_outcomes.outcome = 'met' as is_met,
        cast(null as boolean) as is_reopened,
        cast(null as double) as score
    from sla_outcomes
    left join tickets
        on sla_outcomes.ticket_id = tickets.ticket_id
    where sla_outcomes.outcome in ('met', 'breached')

),

first_assignments as (

    select
        ticket_id,
        to_value as engineer_id,
        min(event_at) as first_assigned_at
    from events
    where
        event_type = 'assigned'
        and to_value is not null
    group by ticket_id, to_value

),

last_escalations as (

    select
        ticket_id,
        max(escalated_at) as last_escalated_at
    from escalations
    group by ticket_id

),

solver_replies as (

    -- public agent replies each engineer wrote on a ticket, with their times, so the
    -- solve can count those up to its own moment
    select
        ticket_id,
        actor_id as engineer_id,
        event_at
    from events
    where
        event_type = 'comment'
        and actor_role = 'agent'
        and is_public

),

replies_before_solve as (

    select
        tickets.ticket_id,
        count(solver_replies.event_at) as solver_public_replies
    from tickets
    left join solver_replies
        on
            tickets.ticket_id = solver_replies.ticket_id
            and tickets.solver_id = solver_replies.engineer_id
            and tickets.solved_at >= solver_replies.event_at
    where tickets.solved_at is not null
    group by tickets.ticket_id

),

solve_activities as (

    select
        tickets.solver_id as engineer_id,
        'solved' as activity,
        tickets.ticket_id,
        tickets.ticket_id as source_id,
        tickets.solved_at as activity_at,
        (
            coalesce(replies_before_solve.solver_public_replies, 0) <= 1
            and coalesce(tickets.reopen_count, 0) = 0
            and (
                last_escalations.last_escalated_at is null
                or last_escalations.last_escalated_at
                < coalesce(first_assignments.first_assigned_at, tickets.created_at)
            )
        ) as is_met,
        coalesce(tickets.reopen_count, 0) > 0 as is_reopened,
        cast(null as double) as score
    from tickets
    left join first_assignments
        on
            tickets.ticket_id = first_assignments.ticket_id
            and tickets.solver_id = first_assignments.engineer_id
    left join last_escalations
        on tickets.ticket_id = last_escalations.ticket_id
    left join replies_before_solve
        on tickets.ticket_id = replies_before_solve.ticket_id
    where
        tickets.solved_at is not null
        and not tickets.is_open

),

escalation_activities as (

    select
        engineer_id,
        'escalation' as activity,
        ticket_id,
        event_id as source_id,
        escalated_at as activity_at,
        cast(null as boolean) as is_met,
        cast(null as boolean) as is_reopened,
        cast(null as double) as score
    from escalations

),

comment_activities as (

    -- only tickets handled count, so one row per engineer, ticket and week: the first
    -- public comment of the week
    select
        events.actor_id as engineer_id,
        'public_comment' as activity,
        events.ticket_id,
        {{ pulse_first_by('events.event_id', 'events.event_at', 'events.event_id') }} as source_id,
        min(events.event_at) as activity_at,
        cast(null as boolean) as is_met,
        cast(null as boolean) as is_reopened,
        cast(null as double) as score
    from events
    {{ business_periods_join('events.event_at', 'qh') }}
    where
        events.event_type = 'comment'
        and events.actor_role = 'agent'
        and events.is_public
        and events.event_at <= {{ pulse_as_of() }}
    group by events.actor_id, events.ticket_id, {{ business_week_of('events.event_at', 'qh') }}

),

unioned as (

    select * from sla_activities
    union all
    select * from solve_activities
    union all
    select * from escalation_activities
    union all
    select * from comment_activities

),

final as (

    select
        unioned.engineer_id,
        unioned.activity,
        unioned.ticket_id,
        unioned.source_id,
        unioned.activity_at,
        {{ business_week_of('unioned.activity_at', 'qh') }} as activity_week,
        unioned.is_met,
        unioned.is_reopened,
        unioned.score
    from unioned
    {{ business_periods_join('unioned.activity_at', 'qh') }}
    where
        unioned.engineer_id is not null
        and unioned.activity_at is not null
        and unioned.activity_at <= {{ pulse_as_of() }}

)

select * from final
