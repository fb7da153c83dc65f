{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
{#-
    One row per ticket created by var('as_of') (DESIGN s6). Times and counts come from
    the event log: first response and resolution as in DESIGN s5, first_response_minutes
    and resolution_minutes in calendar minutes (resolution: running clock only, pending
    and solved excluded); the policy clock of each SLA metric is in fct_sla_outcomes.
    Agent work vs requester wait (calendar minutes from creation to the resolution, or
    to var('as_of') while open): agent_work_minutes = time in new, open or on_hold (the
    resolution clock's stretches, running ones to as_of); requester_wait_minutes = time
    in pending, waiting on the customer.

    Incremental (issue 16 item 3): only the tickets in int_sla_recomputed_tickets are
    recomputed and replaced (strategy pulse_ticket_replace, macros/sla_incremental.sql);
    every other ticket's row is carried from the previous build.
-#}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}
    where
        created_at <= {{ pulse_as_of() }}
        -- incremental runs only: the tickets this build recomputes (sqlfluff lints the
        -- full-refresh render, where the filter is empty, and wants it at this indent)
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

tiers as (

    select * from {{ ref('int_ticket_tiers_resolved') }}

),

summaries as (

    select * from {{ ref('int_ticket_event_summaries') }}

),

milestones as (

    select * from {{ ref('int_ticket_milestones') }}

),

first_responses as (

    select * from {{ ref('int_ticket_first_responses') }}

),

states as (

    select * from {{ ref('int_ticket_completion_states') }}

),

segments as (

    select * from {{ ref('int_sla_clock_segments') }}
    where
        metric = 'resolution' and not is_running
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

work_segments as (

    select * from {{ ref('int_sla_clock_segments') }}
    where
        metric = 'resolution'
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

status_intervals as (

    select * from {{ ref('int_ticket_status_intervals') }}
    where
        status = 'pending'
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

work_clock as (

    select
        ticket_id,
        sum(
            {{ pulse_epoch_seconds('coalesce(segment_end_at, ' ~ pulse_as_of() ~ ')') }}
            - {{ pulse_epoch_seconds('segment_start_at') }}
        ) as work_seconds
    from work_segments
    group by ticket_id

),

wait_clock as (

    select
        status_intervals.ticket_id,
        sum(greatest(
            {{ pulse_epoch_seconds('coalesce(status_intervals.ended_at, ' ~ pulse_as_of() ~ ')') }}
            - {{ pulse_epoch_seconds(
                'greatest(status_intervals.started_at, tickets.created_at)'
            ) }},
            0
        )) as wait_seconds
    from status_intervals
    inner join tickets on status_intervals.ticket_id = tickets.ticket_id
    group by status_intervals.ticket_id

),

engineers as (

    select
        engineer_id,
        team_id
    from {{ ref('stg_helpdesk__engineers') }}

),

resolution_clock as (

    select
        ticket_id,
        sum(
            {{ pulse_epoch_seconds('segment_end_at') }}
            - {{ pulse_epoch_seconds('segment_start_at') }}
        ) as running_seconds
    from segments
    group by ticket_id

),

joined as (

    select
        tickets.ticket_id,
        tickets.account_id,
        tiers.support_tier,
        states.current_priority as priority,
        tickets.product_area,
        tickets.channel,
        tickets.ticket_type,
        tickets.group_name,
        coalesce(milestones.current_status, tickets.status) as status,
        tickets.assignee_id,
        tickets.requester_id,
        tickets.language,
        tickets.subject,
        tickets.created_at,
        tiers.created_date_local as created_date_msk,
        coalesce(milestones.is_open, true) as is_open,
        first_responses.is_proactive,
        first_responses.first_response_at,
        first_responses.first_response_method,
        (
            {{ pulse_epoch_seconds('first_responses.first_response_at') }}
            - {{ pulse_epoch_seconds('tickets.created_at') }}
        ) / 60.0 as first_response_minutes,
        milestones.resolved_at as solved_at,
        milestones.first_solved_at,
        case
            when milestones.resolved_at is not null
                then coalesce(resolution_clock.running_seconds, 0) / 60.0
        end as resolution_minutes,
        coalesce(milestones.reopen_count, 0) as reopen_count,
        coalesce(summaries.escalation_count, 0) as escalation_count,
        coalesce(summaries.escalation_count, 0) > 0 as is_escalated,
        summaries.escalated_from_group,
        summaries.escalated_to_group,
        summaries.first_escalated_at,
        coalesce(summaries.initial_group, tickets.group_name) as initial_group,
        coalesce(summaries.public_agent_comment_count, 0) as public_agent_comment_count,
        milestones.resolved_by_actor_role,
        states.solver_id,
        first_responses.first_responder_id,
        coalesce(work_clock.work_seconds, 0) / 60.0 as agent_work_minutes,
        coalesce(wait_clock.wait_seconds, 0) / 60.0 as requester_wait_minutes
    from tickets
    left join tiers on tickets.ticket_id = tiers.ticket_id
    left join summaries on tickets.ticket_id = summaries.ticket_id
    left join milestones on tickets.ticket_id = milestones.ticket_id
    left join first_responses on tickets.ticket_id = first_responses.ticket_id
    left join states on tickets.ticket_id = states.ticket_id
    left join resolution_clock on tickets.ticket_id = resolution_clock.ticket_id
    left join work_clock on tickets.ticket_id = work_clock.ticket_id
    left join wait_clock on tickets.ticket_id = wait_clock.ticket_id

),

final as (

    select
        joined.ticket_id,
        joined.account_id,
        joined.support_tier,
        joined.priority,
        joined.product_area,
        joined.channel,
        joined.created_at,
        joined.is_open,
        joined.is_proactive,
        joined.first_response_at,
        joined.first_response_minutes,
        joined.solved_at,
        joined.resolution_minutes,
        joined.reopen_count,
        joined.escalation_count,
        joined.is_escalated,
        -- FCR: solved, never escalated, never reopened
        not joined.is_open and joined.escalation_count = 0 and joined.reopen_count = 0
            as is_fcr,
        -- automation: solved by a bot with no public agent comment
        (
            not joined.is_open
            and coalesce(joined.resolved_by_actor_role = 'bot', false)
            and joined.public_agent_comment_count = 0
        ) as solved_by_bot,
        joined.first_responder_id,
        joined.solver_id,
        coalesce(solver.team_id, assignee.team_id) as team_id,
        joined.status,
        joined.ticket_type,
        joined.group_name,
        joined.assignee_id,
        joined.requester_id,
        joined.language,
        joined.subject,
        joined.created_date_msk,
        joined.first_response_method,
        joined.first_solved_at,
        joined.escalated_from_group,
        joined.escalated_to_group,
        joined.first_escalated_at,
        joined.public_agent_comment_count,
        joined.initial_group,
        joined.initial_group = 'tier1' as is_started_in_tier1,
        joined.agent_work_minutes,
        joined.requester_wait_minutes
    from joined
    left join engineers as solver on joined.solver_id = solver.engineer_id
    left join engineers as assignee on joined.assignee_id = assignee.engineer_id

)

select * from final
