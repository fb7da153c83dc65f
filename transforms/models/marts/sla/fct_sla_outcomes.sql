-- The columns of int_sla_outcomes_resolved, where this mart's logic lives so that
-- intermediate models can read it (an intermediate model never reads a mart), and
-- the as_of its open clocks were run to: int_sla_outcomes_resolved carries closed
-- tickets' rows from earlier builds (issue 16 item 3), so the moment is stamped here.

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
    outcome,
    outcome_at,
    engineer_id,
    team_id,
    is_paused,
    is_completed,
    started_at,
    remaining_minutes,
    {{ pulse_as_of() }} as as_of,
    schedule_id,
    policy_valid_from,
    instance
from {{ ref('int_sla_outcomes_resolved') }}
