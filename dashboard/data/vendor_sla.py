"""The helpdesk's SLA verdicts against Support Pulse's, for the data quality page.

Reads only the published marts (transforms/models/marts/data_quality)
`fct_dq_vendor_sla_summary` (agreement rate, target, status, pairs per reason) and
`fct_dq_vendor_sla_comparison` (the disagreeing rows) through the data layer's session
and cache; it counts nothing itself. The marts hold no personal data (no engineer), so
every viewer of the data quality page sees the same numbers.
"""

from __future__ import annotations

from typing import Any

from dashboard.data.connection import _df, _has_table, _run

# The marts are named in each query (not through a constant) so the exposure test
# (tests/test_dbt_structure.py) finds them.
# Disagreeing rows shown in the grid (the mart can hold many on a large helpdesk).
ROW_LIMIT = 500


def vendor_sla_comparison(settings: Any, viewer: Any) -> dict[str, Any] | None:
    """The summary mart's total row (pairs, agreeing pairs, agreement rate in percent,
    target, status), its reason rows and the disagreeing rows of the comparison mart;
    None when the published build predates the marts. No vendor import gives n = 0."""

    def q(sess: Any) -> dict[str, Any] | None:
        if not (
            _has_table(sess, "fct_dq_vendor_sla_comparison")
            and _has_table(sess, "fct_dq_vendor_sla_summary")
        ):
            return None
        total = _df(
            sess,
            "select pair_count, agreed_count, agreement_pct, target_pct, status "
            "from main.fct_dq_vendor_sla_summary where is_total",
        )
        n, agreed, pct, target, status = total.row(0) if total.height else (0, 0, None, None, None)
        reasons = _df(
            sess,
            "select summary_key as reason, pair_count as n from main.fct_dq_vendor_sla_summary "
            "where not is_total order by n desc, reason",
        )
        rows = _df(
            sess,
            "select ticket_id, metric, vendor_policy, vendor_target_minutes, "
            "vendor_business_hours, vendor_outcome, pulse_support_tier, pulse_clock, "
            "pulse_target_minutes, pulse_outcome, reason "
            "from main.fct_dq_vendor_sla_comparison where not is_agreed "
            f"order by reason, try_cast(ticket_id as bigint), ticket_id, metric limit {ROW_LIMIT}",
        )
        return {
            "n": int(n),
            "agreed": int(agreed),
            "rate": pct / 100.0 if pct is not None else None,
            "target": target / 100.0 if target is not None else None,
            "status": status,
            "reasons": reasons,
            "rows": rows,
        }

    return _run(settings, "vendor_sla_comparison", (), "all", q)
