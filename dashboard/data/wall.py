"""The wall monitor's snapshot: today's compliance, breaches and the queue nearest breach."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from dashboard.data.connection import METRICS, Session, _df, _first, _run, _tz


def wall_snapshot(settings: Any, viewer: Any) -> dict[str, Any]:
    """Everything the wall shows; never a customer or engineer name (DESIGN s1, s8).

    Today's and yesterday's compliance per metric are the day rows of
    fct_sla_compliance_periods (all tiers and priorities), with their target and status.

    "Today" is the Moscow date of the warehouse's as-of moment, so a stale warehouse
    shows its own last day (with the stale warning) rather than an empty today.
    """

    def q(sess: Session) -> dict[str, Any]:
        tz = _tz(settings)
        as_of = sess.as_of or datetime.now(UTC).replace(tzinfo=None)
        today = as_of.replace(tzinfo=UTC).astimezone(tz).date()
        yesterday = today - timedelta(days=1)
        days = _df(
            sess,
            "select period_start as day, metric, met_count as met, breached_count as breached, "
            "compliance_pct / 100.0 as compliance, target_pct / 100.0 as target, status "
            "from main.fct_sla_compliance_periods where period_kind = 'day' "
            "and support_tier = 'all' and priority = 'all' and period_start in (?, ?)",
            [today, yesterday],
        )

        def pick(day: date, metric: str) -> dict[str, Any]:
            rows = days.filter((pl.col("day") == day) & (pl.col("metric") == metric))
            if rows.height == 0:
                return {"met": 0, "breached": 0, "compliance": None, "target": None}
            return rows.drop("day", "metric").row(0, named=True)

        out: dict[str, Any] = {"today": today.isoformat(), "as_of": as_of.isoformat()}
        for metric in METRICS:
            out[metric] = pick(today, metric)
        out["breaches_today"] = pick(today, "overall")["breached"]
        out["breaches_yesterday"] = pick(yesterday, "overall")["breached"]
        row = _first(
            sess.con.execute(
                "select count(*) from main.fct_tickets where is_open and priority = 'critical'"
            ).fetchall()
        )
        out["open_critical"] = int(row[0]) if row else 0
        queue = _df(
            sess,
            "select o.ticket_id, o.support_tier, o.priority, o.metric, o.due_at "
            "from main.fct_sla_outcomes o where o.completed_at is null and o.due_at is not null "
            "and o.due_at >= ? order by o.due_at limit 7",
            [as_of - timedelta(hours=1)],
        )
        out["queue"] = [
            {
                "ticket_id": str(r["ticket_id"]),
                "support_tier": r["support_tier"],
                "priority": r["priority"],
                "metric": r["metric"],
                "due_at": r["due_at"].replace(tzinfo=UTC).isoformat(),
            }
            for r in queue.iter_rows(named=True)
        ]
        return out

    return _run(settings, "wall_snapshot", (), "wall", q)
