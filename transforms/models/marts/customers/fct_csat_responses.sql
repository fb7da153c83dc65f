-- The columns of int_csat_responses_attributed, where this mart's logic lives so that
-- intermediate models can read it (an intermediate model never reads a mart).

select
    response_id,
    ticket_id,
    responded_at,
    responded_date,
    responded_month,
    responded_quarter,
    score,
    rating,
    is_binary_rating,
    is_satisfied,
    comment_text,
    account_id,
    support_tier,
    priority,
    product_area,
    channel,
    team_id,
    solver_id,
    segment,
    region,
    has_known_ticket
from {{ ref('int_csat_responses_attributed') }}
