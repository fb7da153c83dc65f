{#-
    What-if: for each draft policy scenario (seeds/sla_policy_drafts.csv), one row per
    ticket, metric and instance whose target or clock the draft changes, with its live
    outcome (fct_sla_outcomes) beside the outcome under the draft - the same clocks and
    outcome rule, only the target differs. Rows a draft does not touch keep their live
    outcome, so compliance under a draft = live counts - these rows' live outcomes +
    their draft outcomes (dashboard what-if page). Production numbers never change.

    Per ticket like fct_sla_outcomes, so incremental the same way (issue 16 item 3):
    the recomputed tickets' rows are replaced, every other ticket's rows carried. The
    drafts are a seed, so a changed draft changes the project fingerprint and the next
    build is a full one.
-#}
{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}

with

draft_targets as (

    select * from {{ ref('int_sla_targets') }}
    where
        scenario != 'live'
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

clocks as (

    select * from {{ ref('int_sla_clocks_calendar') }}
    where
        scenario != 'live'
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02
    union all
    select * from {{ ref('int_sla_clocks_business') }}
    where
        scenario != 'live'
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

live as (

    select * from {{ ref('fct_sla_outcomes') }}
    where
        true
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

drafted as (

    select
        draft_targets.scenario,
        draft_targets.ticket_id,
        draft_targets.metric,
        draft_targets.instance,
        draft_targets.clock,
        draft_targets.target_minutes,
        draft_targets.is_completed,
        draft_targets.completed_at,
        clocks.elapsed_seconds,
        case
            when not clocks.is_paused or clocks.elapsed_seconds > draft_targets.target_minutes * 60
                then clocks.due_at
        end as due_at,
        draft_targets.target_minutes * 60 as target_seconds
    from draft_targets
    inner join clocks
        on
            draft_targets.scenario = clocks.scenario
            and draft_targets.ticket_id = clocks.ticket_id
            and draft_targets.metric = clocks.metric
            and draft_targets.instance = clocks.instance

),

final as (

    select
        drafted.scenario,
        drafted.ticket_id,
        drafted.metric,
        drafted.instance,
        live.support_tier,
        live.priority,
        live.clock as live_clock,
        live.target_minutes as live_target_minutes,
        live.outcome as live_outcome,
        live.outcome_at as live_outcome_at,
        drafted.clock as draft_clock,
        drafted.target_minutes as draft_target_minutes,
        drafted.elapsed_seconds / 60.0 as draft_elapsed_minutes,
        drafted.due_at as draft_due_at,
        {{ pulse_sla_outcome(
            'drafted.elapsed_seconds', 'drafted.target_seconds', 'drafted.is_completed'
        ) }} as draft_outcome,
        {{ pulse_sla_outcome_at(
            'drafted.elapsed_seconds', 'drafted.target_seconds', 'drafted.is_completed',
            'drafted.due_at', 'drafted.completed_at'
        ) }} as draft_outcome_at,
        live.completed_at,
        live.engineer_id,
        live.team_id
    from drafted
    inner join live
        on
            drafted.ticket_id = live.ticket_id
            and drafted.metric = live.metric
            and drafted.instance = live.instance

)

select
    *,
    live_outcome != draft_outcome as is_outcome_changed
from final
