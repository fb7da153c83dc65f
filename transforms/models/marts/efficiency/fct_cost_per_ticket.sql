-- The columns of int_ticket_costs_allocated, where this mart's logic lives so that
-- intermediate models can read it (an intermediate model never reads a mart).

select
    month_start,
    month,
    support_cost_usd,
    support_cost_rub,
    tickets_created,
    cost_per_ticket_usd,
    cost_per_ticket_rub,
    tier1_started_tickets,
    automated_tickets,
    automation_share_pct,
    has_costs
from {{ ref('int_ticket_costs_allocated') }}
