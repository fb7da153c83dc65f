{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
{#-
    One row per ticket, SLA metric and instance that has a target (DESIGN s6; next_reply
    has one row per instance, the other metrics instance 0), under the live policy: met (completed
    within target, a completion exactly on target included), breached (completed late,
    or still open past its due time) or pending (open, not yet due). outcome_at is the
    completion when met, the due time when breached. Open clocks run to var('as_of').

    Incremental (issue 16 item 3): only the tickets in int_sla_recomputed_tickets are
    recomputed and replaced (strategy pulse_ticket_replace, macros/sla_incremental.sql);
    every other ticket's rows are carried from the previous build.
-#}
with

targets as (

    select * from {{ ref('int_sla_targets') }}
    where
        scenario = 'live'
        -- incremental runs only: the tickets this build recomputes (sqlfluff lints the
        -- full-refresh render, where the filter is empty, and wants it at this indent)
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

clocks as (

    select * from {{ ref('int_sla_clocks_calendar') }}
    where scenario = 'live'
    union all
    select * from {{ ref('int_sla_clocks_business') }}
    where scenario = 'live'

),

engineers as (

    select
        engineer_id,
        team_id
    from {{ ref('stg_helpdesk__engineers') }}

),

joined as (

    select
        targets.ticket_id,
        targets.metric,
        targets.instance,
        targets.support_tier,
        targets.priority,
        targets.clock,
        targets.schedule_id,
        targets.policy_valid_from,
        targets.target_minutes,
        clocks.elapsed_seconds / 60.0 as elapsed_minutes,
        clocks.elapsed_seconds,
        targets.target_minutes * 60 as target_seconds,
        case
            when not clocks.is_paused or clocks.elapsed_seconds > targets.target_minutes * 60
                then clocks.due_at
        end as due_at,
        targets.started_at,
        targets.completed_at,
        targets.is_completed,
        clocks.is_paused,
        targets.engineer_id,
        engineers.team_id
    from targets
    inner join clocks
        on
            targets.ticket_id = clocks.ticket_id
            and targets.metric = clocks.metric
            and targets.instance = clocks.instance
    left join engineers
        on targets.engineer_id = engineers.engineer_id

),

final as (

    select
        ticket_id,
        metric,
        support_tier,
        priority,
        clock,
        target_minutes,
        elapsed_minutes,
        due_at,
        completed_at,
        {{ pulse_sla_outcome('elapsed_seconds', 'target_seconds', 'is_completed') }} as outcome,
        {{ pulse_sla_outcome_at(
            'elapsed_seconds', 'target_seconds', 'is_completed', 'due_at', 'completed_at'
        ) }} as outcome_at,
        engineer_id,
        team_id,
        is_paused,
        is_completed,
        started_at,
        target_minutes - elapsed_minutes as remaining_minutes,
        schedule_id,
        policy_valid_from,
        instance
    from joined

)

select * from final
