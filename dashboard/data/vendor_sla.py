"""The helpdesk's SLA verdicts against Support Pulse's, for the data quality page.

Reads only the published mart `fct_dq_vendor_sla_comparison` (transforms/models/marts/
data_quality) through the data layer's session and cache. The mart holds no personal
data (no engineer), so every viewer of the data quality page sees the same numbers.
"""

from __future__ import annotations

from typing import Any

from dashboard.data.connection import _df, _has_table, _run

MART = "fct_dq_vendor_sla_comparison"
# Disagreeing rows shown in the grid (the mart can hold many on a large helpdesk).
ROW_LIMIT = 500


def vendor_sla_comparison(settings: Any, viewer: Any) -> dict[str, Any] | None:
    """Agreement rate, disagreements by reason and the disagreeing rows; None when the
    published build predates the mart. An empty mart (no vendor import) gives n = 0."""

    def q(sess: Any) -> dict[str, Any] | None:
        if not _has_table(sess, MART):
            return None
        ((n, agreed),) = sess.con.execute(
            f"select count(*), count(*) filter (where is_agreed) from main.{MART}"
        ).fetchall()
        reasons = _df(
            sess,
            f"select reason, count(*) as n from main.{MART} where not is_agreed "
            "group by reason order by n desc, reason",
        )
        rows = _df(
            sess,
            "select ticket_id, metric, vendor_policy, vendor_target_minutes, "
            "vendor_business_hours, vendor_outcome, pulse_support_tier, pulse_clock, "
            "pulse_target_minutes, pulse_outcome, reason "
            f"from main.{MART} where not is_agreed "
            f"order by reason, try_cast(ticket_id as bigint), ticket_id, metric limit {ROW_LIMIT}",
        )
        return {
            "n": int(n),
            "agreed": int(agreed),
            "rate": agreed / n if n else None,
            "reasons": reasons,
            "rows": rows,
        }

    return _run(settings, "vendor_sla_comparison", (), "all", q)
