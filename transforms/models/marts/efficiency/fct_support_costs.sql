-- The columns of int_support_costs_converted, where this mart's logic lives so that
-- intermediate models can read it (an intermediate model never reads a mart).

select
    cost_month,
    month,
    cost_category,
    currency,
    amount,
    rate_to_usd,
    rate_to_rub,
    amount_usd,
    amount_rub,
    is_rate_carried_over
from {{ ref('int_support_costs_converted') }}
