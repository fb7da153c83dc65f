"""What deserves an alert at a moment `now`, read from the published warehouse's marts.

Three kinds, each with a key that names it for good (the state table dedupes on it):

- `due_soon`: an open SLA clock (outcome `pending`, not paused) whose due time falls
  within the lead time of its tier and priority: key `due_soon:<ticket>:<metric>`.
- `breached`: a clock whose due time has passed within `breach_lookback` (the mart says
  `breached`, or it is still `pending` because the build ran before the due time): key
  `breached:<ticket>:<metric>`. The due-soon alert sent earlier does not stop it; a
  second breach alert for the same clock never happens.
- `compliance`: today's (local date) compliance of a metric below the strategy's
  threshold, once it has `min_outcomes` completed outcomes: key
  `compliance:<date>:<metric>`, so at most one a day per metric.

Only marts are read (`fct_sla_outcomes`, `fct_tickets`, `fct_sla_daily`,
`dim_engineer`), never intermediate models, and every value travels as a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from warehouse.core.errors import PulseError
from warehouse.core.notify_config import AlertsConfig


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str  # due_soon | breached | compliance
    metric: str
    ticket_id: str | None = None
    support_tier: str | None = None
    priority: str | None = None
    due_at: datetime | None = None  # UTC, aware
    assignee: str | None = None  # the engineer's name as the extract spells it
    # compliance alerts
    day: date | None = None
    compliance: float | None = None
    threshold: float | None = None
    met: int = 0
    breached: int = 0

    def minutes_left(self, now: datetime) -> int | None:
        """Whole minutes until the due time (negative once breached)."""
        if self.due_at is None:
            return None
        return int((self.due_at - now).total_seconds() // 60)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """The published warehouse attached read-only in a private in-memory instance (a
    build that renames a new file into place meanwhile does not disturb the read)."""
    if not path.is_file():
        raise PulseError(f"no published warehouse at {path}: run `pulse load` and `pulse build`")
    con = duckdb.connect(config={"threads": 1})
    con.execute("attach ? as wh (read_only)", [str(path)])
    con.execute("use wh")
    return con


_CLOCKS_SQL = """
    select o.ticket_id::varchar, o.metric, o.support_tier, o.priority, o.due_at, o.outcome,
           e.full_name
    from main.fct_sla_outcomes o
    left join main.fct_tickets t on t.ticket_id = o.ticket_id
    left join main.dim_engineer e
        on e.engineer_id = coalesce(t.assignee_id, o.engineer_id)
    where o.due_at is not null
      and o.due_at > ? and o.due_at <= ?
      and o.outcome in ('pending', 'breached')
    order by o.due_at, o.ticket_id, o.metric
"""


def find_alerts(
    con: duckdb.DuckDBPyConnection, config: AlertsConfig, now: datetime, tz: str
) -> list[Alert]:
    """Every alert that applies at `now` (already-sent ones are filtered by the caller)."""
    now = _utc(now)
    longest = max([config.default_lead_time, *config.lead_times.values()])
    try:
        rows = con.execute(
            _CLOCKS_SQL, [_naive(now - config.breach_lookback), _naive(now + longest)]
        ).fetchall()
    except duckdb.CatalogException as exc:
        raise PulseError(
            f"the published warehouse lacks a mart alerts read ({exc}); "
            "rebuild it with `pulse build`"
        ) from None
    alerts: list[Alert] = []
    for ticket_id, metric, tier, priority, due_at, outcome, name in rows:
        due = _utc(due_at)
        common = dict(
            metric=metric, ticket_id=ticket_id, support_tier=tier, priority=priority,
            due_at=due, assignee=name,
        )  # fmt: skip
        if due <= now:
            alerts.append(Alert(key=f"breached:{ticket_id}:{metric}", kind="breached", **common))
        elif outcome == "pending" and due - now <= config.lead_time(tier, priority):
            alerts.append(Alert(key=f"due_soon:{ticket_id}:{metric}", kind="due_soon", **common))
    alerts.extend(_compliance_alerts(con, config, now.astimezone(ZoneInfo(tz)).date()))
    return alerts


def _compliance_alerts(
    con: duckdb.DuckDBPyConnection, config: AlertsConfig, day: date
) -> list[Alert]:
    rows = con.execute(
        "select metric, sum(met_count)::bigint, sum(breached_count)::bigint "
        "from main.fct_sla_daily where outcome_date = ? group by metric order by metric",
        [day],
    ).fetchall()
    out = []
    for metric, met, breached in rows:
        threshold = config.thresholds.get(metric)
        total = int(met) + int(breached)
        if threshold is None or total == 0 or total < config.min_outcomes:
            continue
        compliance = int(met) / total
        if compliance < threshold:
            out.append(
                Alert(
                    key=f"compliance:{day.isoformat()}:{metric}",
                    kind="compliance",
                    metric=metric,
                    day=day,
                    compliance=compliance,
                    threshold=threshold,
                    met=int(met),
                    breached=int(breached),
                )
            )
    return out
