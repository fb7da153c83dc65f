"""The wall monitor's snapshot: today's compliance, breaches and the queue nearest breach."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from dashboard.data.connection import METRICS, Session, _df, _first, _run, _tz
from dashboard.data.sla import _sla_daily_totals


def wall_snapshot(settings: Any, viewer: Any) -> dict[str, Any]:
    """Everything the wall shows; never a customer or engineer name (DESIGN s1, s8).

    "Today" is the Moscow date of the warehouse's as-of moment, so a stale warehouse
    shows its own last day (with the stale warning) rather than an empty today.
    """

    def q(sess: Session) -> dict[str, Any]:
        tz = _tz(settings)
        as_of = sess.as_of or datetime.now(UTC).replace(tzinfo=None)
        today = as_of.replace(tzinfo=UTC).astimezone(tz).date()
        yesterday = today - timedelta(days=1)
        daily = _sla_daily_totals(sess, ("day", "metric"), yesterday, today)

        def pick(day: date, metric: str | None) -> tuple[int, int]:
            f = daily.filter(pl.col("day") == day)
            if metric:
                f = f.filter(pl.col("metric") == metric)
            return int(f["met"].sum() or 0), int(f["breached"].sum() or 0)

        out: dict[str, Any] = {"today": today.isoformat(), "as_of": as_of.isoformat()}
        for metric in METRICS:
            met, breached = pick(today, metric)
            out[metric] = {
                "met": met,
                "breached": breached,
                "compliance": met / (met + breached) if (met + breached) else None,
            }
        out["breaches_today"] = pick(today, None)[1]
        out["breaches_yesterday"] = pick(yesterday, None)[1]
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
        # The wall's targets: the quarter's first-response and resolution SLA key
        # results (the OKR page's rows), the overall SLA KR when a year has no
        # separate one; no target when the OKR mart has none.
        rows = sess.con.execute(
            "select kr_id, target from main.fct_okr_progress where period = ? "
            "and kr_id in ('first_response_sla', 'resolution_sla', 'sla_compliance') "
            "and dim_tier = 'all' and dim_segment = 'all' and dim_region = 'all' "
            "and target is not null",
            [f"{today.year}-Q{(today.month - 1) // 3 + 1}"],
        ).fetchall()
        found = {r[0]: float(r[1]) / 100.0 for r in rows}
        overall = found.get("sla_compliance")
        targets = {
            "first_response": found.get("first_response_sla", overall),
            "resolution": found.get("resolution_sla", overall),
        }
        out["targets"] = targets
        return out

    return _run(settings, "wall_snapshot", (), "wall", q)
