-- The columns of int_retention_periods_measured, where this mart's logic lives so that
-- intermediate models can read it (an intermediate model never reads a mart).

select
    period_type,
    period,
    period_start,
    end_month,
    baseline_month,
    is_complete,
    dim_tier,
    dim_segment,
    dim_region,
    starting_accounts,
    retained_accounts,
    churned_accounts,
    logo_retention_pct,
    starting_mrr_usd,
    ending_mrr_usd,
    expansion_mrr_usd,
    contraction_mrr_usd,
    churned_mrr_usd,
    net_revenue_retention_pct,
    net_expansion_pct,
    expansion_pct,
    contraction_pct,
    churn_pct
from {{ ref('int_retention_periods_measured') }}
