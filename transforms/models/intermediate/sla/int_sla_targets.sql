{#-
    One row per ticket and SLA metric that has a target: the policy row of the tier at
    creation and the priority in force when the metric completed (for a metric still
    running, the current priority), measured from creation. Free-tier tickets have no
    targets; proactive tickets have no first-response target.
-#}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}
    where created_at <= {{ pulse_as_of() }}

),

tiers as (

    select * from {{ ref('int_ticket_tiers_resolved') }}

),

first_responses as (

    select * from {{ ref('int_ticket_first_responses') }}

),

milestones as (

    select * from {{ ref('int_ticket_milestones') }}

),

states as (

    select * from {{ ref('int_ticket_completion_states') }}

),

policies as (

    select * from {{ ref('sla_policies') }}

),

metrics as (

    select
        tickets.ticket_id,
        'first_response' as metric,
        tiers.support_tier,
        case
            when first_responses.first_response_at is not null
                then states.priority_at_first_response
            else states.current_priority
        end as priority,
        tickets.created_at as started_at,
        first_responses.first_response_at as completed_at,
        first_responses.first_responder_id as engineer_id
    from tickets
    inner join tiers on tickets.ticket_id = tiers.ticket_id
    inner join first_responses on tickets.ticket_id = first_responses.ticket_id
    inner join states on tickets.ticket_id = states.ticket_id
    where not first_responses.is_proactive

    union all

    select
        tickets.ticket_id,
        'resolution' as metric,
        tiers.support_tier,
        case
            when milestones.resolved_at is not null
                then states.priority_at_resolution
            else states.current_priority
        end as priority,
        tickets.created_at as started_at,
        milestones.resolved_at as completed_at,
        states.solver_id as engineer_id
    from tickets
    inner join tiers on tickets.ticket_id = tiers.ticket_id
    inner join states on tickets.ticket_id = states.ticket_id
    left join milestones on tickets.ticket_id = milestones.ticket_id

),

final as (

    select
        metrics.ticket_id,
        metrics.metric,
        metrics.support_tier,
        metrics.priority,
        policies.clock,
        policies.target_minutes,
        metrics.started_at,
        metrics.completed_at,
        metrics.completed_at is not null as is_completed,
        metrics.engineer_id
    from metrics
    inner join policies
        on
            metrics.support_tier = policies.support_tier
            and metrics.priority = policies.priority
            and metrics.metric = policies.metric

)

select * from final
