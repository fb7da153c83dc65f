-- The columns of int_nps_responses_attributed, where this mart's logic lives so that
-- intermediate models can read it (an intermediate model never reads a mart).

select
    response_id,
    account_id,
    contact_id,
    responded_at,
    responded_date,
    wave,
    wave_year,
    score,
    nps_category,
    is_promoter,
    is_passive,
    is_detractor,
    nps_points,
    support_tier,
    segment,
    region,
    reason_text
from {{ ref('int_nps_responses_attributed') }}
