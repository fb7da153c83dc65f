{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
-- The columns of int_tickets_summarised, where this mart's logic lives so that
-- intermediate models can read it (an intermediate model never reads a mart).
-- Incremental like it (issue 16 item 3): the recomputed tickets' rows are replaced.

select
    ticket_id,
    account_id,
    support_tier,
    priority,
    product_area,
    channel,
    created_at,
    is_open,
    is_proactive,
    first_response_at,
    first_response_minutes,
    solved_at,
    resolution_minutes,
    reopen_count,
    escalation_count,
    is_escalated,
    is_fcr,
    solved_by_bot,
    first_responder_id,
    solver_id,
    team_id,
    status,
    ticket_type,
    group_name,
    assignee_id,
    requester_id,
    language,
    subject,
    created_date_msk,
    first_response_method,
    first_solved_at,
    escalated_from_group,
    escalated_to_group,
    first_escalated_at,
    public_agent_comment_count,
    initial_group,
    is_started_in_tier1,
    agent_work_minutes,
    requester_wait_minutes
from {{ ref('int_tickets_summarised') }}
-- incremental runs only: the tickets this build recomputes
where true
    {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02
