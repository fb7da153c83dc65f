-- The columns of int_qa_reviews_joined, where this mart's logic lives so that
-- intermediate models can read it (an intermediate model never reads a mart).

select
    review_id,
    ticket_id,
    engineer_id,
    reviewed_at,
    reviewed_week,
    technical_accuracy,
    communication,
    timeliness,
    process,
    customer_satisfaction,
    total_score,
    engineer_tier,
    team_id
from {{ ref('int_qa_reviews_joined') }}
