{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
-- One row per escalation (DESIGN s5: a group change to a higher tier), attributed to
-- the engineer assigned just before it (the latest `assigned` event preceding the
-- group change in event order); null when nobody was assigned yet. A function of one
-- ticket's events, so incremental like the SLA models (macros/sla_incremental.sql).

{% set group_rank = "case {col} when 'tier1' then 1 when 'tier2' then 2"
    ~ " when 'tier3' then 3 when 'tam' then 4 end" %}

with

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}
    where
        true
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

escalations as (

    select
        event_id,
        ticket_id,
        event_at,
        from_value as from_group,
        to_value as to_group
    from events
    where
        event_type = 'group_changed'
        and {{ group_rank.format(col='to_value') }} > {{ group_rank.format(col='from_value') }}

),

assignments as (

    select
        event_id,
        ticket_id,
        event_at,
        to_value as assignee_id
    from events
    where event_type = 'assigned'

),

assignees_ranked as (

    select
        escalations.event_id,
        assignments.assignee_id,
        row_number() over (
            partition by escalations.event_id
            order by assignments.event_at desc, assignments.event_id desc
        ) as assignment_rank
    from escalations
    inner join assignments
        on
            escalations.ticket_id = assignments.ticket_id
            and (
                escalations.event_at > assignments.event_at
                or (
                    escalations.event_at = assignments.event_at
                    and escalations.event_id > assignments.event_id
                )
            )

),

final as (

    select
        escalations.event_id,
        escalations.ticket_id,
        escalations.event_at as escalated_at,
        escalations.from_group,
        escalations.to_group,
        assignees_ranked.assignee_id as engineer_id
    from escalations
    left join assignees_ranked
        on
            escalations.event_id = assignees_ranked.event_id
            and assignees_ranked.assignment_rank = 1

)

select * from final
