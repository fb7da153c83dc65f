"""The wall monitor's snapshot: today's compliance and breaches, the open critical tickets,
the open clocks already breached and the queue nearest breach."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from dashboard.data.connection import METRICS, Session, _df, _run, _tz

# Rows each wall list may hold: the screen shows as many as fit and says how many more.
LIST_ROWS = 12


def _iso(value: datetime | None) -> str | None:
    """A warehouse UTC timestamp as an ISO string the browser can tick from."""
    return None if value is None else value.replace(tzinfo=UTC).isoformat()


def _clock_rows(df: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "ticket_id": r["ticket_id"],
            "support_tier": r["support_tier"],
            "priority": r["priority"],
            "metric": r["metric"],
            "due_at": _iso(r["due_at"]),
            "paused": bool(r["is_paused"]),
            "over_minutes": None if r["over_minutes"] is None else float(r["over_minutes"]),
        }
        for r in df.iter_rows(named=True)
    ]


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
        critical = _df(
            sess,
            "select cast(t.ticket_id as varchar) as ticket_id, t.support_tier, t.created_at, "
            "min(o.due_at) filter (where o.completed_at is null) as next_due_at "
            "from main.fct_tickets t left join main.fct_sla_outcomes o "
            "on o.ticket_id = t.ticket_id "
            "where t.is_open and t.priority = 'critical' "
            "group by all order by next_due_at nulls last, t.created_at",
        )
        out["open_critical"] = critical.height
        out["critical"] = [
            {
                "ticket_id": r["ticket_id"],
                "support_tier": r["support_tier"],
                "created_at": _iso(r["created_at"]),
                "due_at": _iso(r["next_due_at"]),
            }
            for r in critical.head(LIST_ROWS).iter_rows(named=True)
        ]
        # Open clocks already past their target (longest overdue first), then the running
        # ones nearest their due time. A paused clock past its target is still overdue:
        # it stays on the list, frozen at how far over it went when it paused.
        clock_cols = (
            "select cast(o.ticket_id as varchar) as ticket_id, o.support_tier, o.priority, "
            "o.metric, o.clock, o.due_at, o.is_paused, o.elapsed_minutes - o.target_minutes "
            "as over_minutes from main.fct_sla_outcomes o "
            "where o.completed_at is null and o.due_at is not null "
        )
        overdue = _df(sess, clock_cols + "and o.outcome = 'breached' order by o.due_at")
        queue = _df(
            sess,
            clock_cols + "and o.outcome = 'pending' and not o.is_paused order by o.due_at",
        )
        out["overdue_count"], out["queue_count"] = overdue.height, queue.height
        out["overdue"] = _clock_rows(overdue.head(LIST_ROWS))
        out["queue"] = _clock_rows(queue.head(LIST_ROWS))
        # The tiles' targets are the day rows' own (fct_sla_compliance_periods)
        out["targets"] = {metric: out[metric]["target"] for metric in METRICS}
        return out

    return _run(settings, "wall_snapshot", (), "wall", q)
