"""SLA compliance, distributions, breaches and ticket lists for the SLA page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from dashboard.data.connection import (
    TICKET_LIST_LIMIT,
    Session,
    _df,
    _run,
    _tz,
    filter_value,
)

# SLA key results of the OKR mart per metric of the page ('overall' = both metrics):
# the page's tiles read these rows, as the OKR page does. FY2025 has no overall KR.
SLA_KEY_RESULTS = {
    "overall": "sla_compliance",
    "first_response": "first_response_sla",
    "resolution": "resolution_sla",
}


# The periods the page offers, newest first per kind (the teams page's counts).
PERIOD_KINDS = {"month": 6, "iso_week": 8, "quarter": 4, "year": 3}


def sla_range_period(start: date, end: date) -> str:
    """The period label a date range stands for, for links that still carry start and
    end (the OKR page's): the year when the range is exactly a year, else the quarter
    the range ends in."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(end.year)
    return f"{end.year}-Q{(end.month - 1) // 3 + 1}"


def sla_kr_period(label: str) -> tuple[int, int | None] | None:
    """The OKR period whose SLA key results the page's tiles show for a period label:
    (year, None) for a year, (year, quarter) for a quarter; None for weeks and months,
    which have no key result (their tiles are fct_sla_compliance_periods rows)."""
    if label.isdigit() and len(label) == 4:
        return int(label), None
    year, sep, quarter = label.partition("-Q")
    if sep and year.isdigit() and quarter in ("1", "2", "3", "4"):
        return int(year), int(quarter)
    return None


def sla_periods(settings: Any, viewer: Any) -> list[dict[str, Any]]:
    """The periods of fct_sla_compliance_periods the page offers (label, kind, start,
    end, is_partial): the newest months, ISO weeks, quarters and years (PERIOD_KINDS)."""

    def q(sess: Session) -> list[dict[str, Any]]:
        return _df(
            sess,
            "select distinct period_label as label, period_kind as kind, period_start as start, "
            "period_end as end, is_partial from main.fct_sla_compliance_periods "
            "where period_kind in ('iso_week', 'month', 'quarter', 'year') "
            "order by start desc",
        ).to_dicts()

    rows = _run(settings, "sla_periods", (), "all", q)
    shown: list[dict[str, Any]] = []
    for kind, count in PERIOD_KINDS.items():
        shown += [r for r in rows if r["kind"] == kind][:count]
    return shown


def sla_default_period(periods: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The headline period (docs/METRICS.md, the period rule): the latest complete
    month, else the newest month, else the newest period offered."""
    months = [p for p in periods if p["kind"] == "month"]
    complete = [p for p in months if not p["is_partial"]]
    return (complete or months or periods or [None])[0]


def sla_period_row(
    settings: Any, viewer: Any, label: str, tier: str | None, metric: str = "overall"
) -> dict[str, Any] | None:
    """The fct_sla_compliance_periods row of a period for a tier or all, all priorities
    and one metric ('overall' = both), shaped like a key result (actual and target in
    percent, unit, status, period, is_current_period) plus its breached count. The
    /sla tiles show it where the period has no key result (weeks, months, FY2025's
    overall compliance)."""
    tier = filter_value(tier)

    def q(sess: Session) -> dict[str, Any] | None:
        rows = _df(
            sess,
            "select case metric when 'first_response' then 'first_response_sla' "
            "when 'resolution' then 'resolution_sla' else 'sla_compliance' end as kr_id, "
            "period_label as period, "
            "is_partial as is_current_period, compliance_pct as actual, target_pct as target, "
            "'pct' as unit, status, false as is_low_n, breached_count as breached "
            "from main.fct_sla_compliance_periods "
            "where period_label = ? and support_tier = ? and priority = 'all' and metric = ?",
            [label, tier or "all", metric],
        )
        return rows.row(0, named=True) if rows.height else None

    return _run(settings, "sla_period_row", (label, tier, metric), "all", q)


def sla_matrix(settings: Any, viewer: Any, label: str, tier: str | None) -> pl.DataFrame:
    """The period's fct_sla_compliance_periods rows per tier x priority x metric (first
    response and resolution), as they are: met, breached, compliance (share)."""
    tier = filter_value(tier)

    def q(sess: Session) -> pl.DataFrame:
        sql = (
            "select support_tier, priority, metric, met_count as met, "
            "breached_count as breached, compliance_pct / 100.0 as compliance "
            "from main.fct_sla_compliance_periods where period_label = ? "
            "and support_tier <> 'all' and priority <> 'all' and metric <> 'overall'"
        )
        params: list[Any] = [label]
        if tier:
            sql += " and support_tier = ?"
            params.append(tier)
        return _df(sess, sql + " order by support_tier, priority, metric", params)

    return _run(settings, "sla_matrix", (label, tier), "all", q)


def sla_tier_period(settings: Any, viewer: Any, period_label: str) -> pl.DataFrame:
    """Each tier's fct_sla_compliance_periods rows of one period (all priorities), as
    they are: support_tier, metric ('first_response', 'resolution', 'overall'),
    met_count, breached_count, compliance_pct, target_pct, status, is_partial. The
    digest's per-tier table reads these; /sla and the OKR page read the same rows."""

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select support_tier, metric, met_count, breached_count, compliance_pct, "
            "target_pct, status, is_partial from main.fct_sla_compliance_periods "
            "where period_label = ? and priority = 'all' and support_tier <> 'all' "
            "order by support_tier, metric",
            [period_label],
        )

    return _run(settings, "sla_tier_period", (period_label,), "all", q)


def sla_daily(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None, metric: str | None
) -> pl.DataFrame:
    """Daily compliance per tier over [start, end]: the day rows of
    fct_sla_compliance_periods (all priorities; one metric, or 'overall' for both), as
    they are: day, support_tier, met, breached, compliance (share)."""
    tier, metric = filter_value(tier), filter_value(metric)

    def q(sess: Session) -> pl.DataFrame:
        sql = (
            "select period_start as day, support_tier, met_count as met, "
            "breached_count as breached, compliance_pct / 100.0 as compliance "
            "from main.fct_sla_compliance_periods where period_kind = 'day' "
            "and period_start between ? and ? and priority = 'all' and metric = ? "
            "and support_tier <> 'all'"
        )
        params: list[Any] = [start, end, metric or "overall"]
        if tier:
            sql += " and support_tier = ?"
            params.append(tier)
        return _df(sess, sql + " order by day, support_tier", params)

    return _run(settings, "sla_daily", (start, end, tier, metric), "all", q)


def _outcome_window(settings: Any, start: date, end: date) -> tuple[datetime, datetime]:
    """Moscow dates [start, end] as UTC-naive instants [lo, hi)."""
    tz = _tz(settings)
    lo = datetime.combine(start, datetime.min.time(), tz).astimezone(UTC).replace(tzinfo=None)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tz)
    return lo, hi.astimezone(UTC).replace(tzinfo=None)


def sla_distribution(
    settings: Any, viewer: Any, label: str, tier: str | None, metric: str
) -> pl.DataFrame:
    """The period's histogram of completed clocks as % of their target, the
    fct_sla_breakdown_periods elapsed_bucket rows as they are: bucket (0, 10, .., 300),
    n, breached."""
    tier = filter_value(tier)

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select cast(breakdown_key as integer) as bucket, outcome_count as n, "
            "breached_count as breached from main.fct_sla_breakdown_periods "
            "where period_label = ? and support_tier = ? and dimension = 'elapsed_bucket' "
            "and metric = ? order by bucket",
            [label, tier or "all", metric],
        )

    return _run(settings, "sla_distribution", (label, tier, metric), "all", q)


EMPTY_STATS: dict[str, float | None] = {"median": None, "p90": None, "n": 0}


def sla_time_stats(
    settings: Any, viewer: Any, label: str, tier: str | None, metric: str
) -> dict[str, float | None]:
    """Median and 90th percentile elapsed minutes of the period's completed clocks:
    the fct_sla_elapsed_stats_periods row (EMPTY_STATS when the period has none)."""
    tier = filter_value(tier)

    def q(sess: Session) -> dict[str, float | None]:
        rows = sess.con.execute(
            "select median_elapsed_minutes, p90_elapsed_minutes, completed_count "
            "from main.fct_sla_elapsed_stats_periods "
            "where period_label = ? and support_tier = ? and metric = ?",
            [label, tier or "all", metric],
        ).fetchall()
        return {"median": rows[0][0], "p90": rows[0][1], "n": rows[0][2]} if rows else EMPTY_STATS

    return _run(settings, "sla_time_stats", (label, tier, metric), "all", q)


BREACH_DIMENSIONS = ("product_area", "channel", "team")


def sla_breaches_by(
    settings: Any, viewer: Any, label: str, tier: str | None, dimension: str
) -> pl.DataFrame:
    """The period's breaches by product area, channel or team: the
    fct_sla_breakdown_periods rows as they are (key, breached, total), most first."""
    tier = filter_value(tier)
    if dimension not in BREACH_DIMENSIONS:
        raise ValueError(dimension)

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select breakdown_key as key, breached_count as breached, outcome_count as total "
            "from main.fct_sla_breakdown_periods where period_label = ? and support_tier = ? "
            "and dimension = ? order by breached desc, key",
            [label, tier or "all", dimension],
        )

    return _run(settings, "sla_breaches_by", (label, tier, dimension), "all", q)


def sla_tickets(
    settings: Any,
    viewer: Any,
    start: date,
    end: date,
    *,
    tier: str | None = None,
    priority: str | None = None,
    metric: str | None = None,
    outcome: str | None = None,
    day: date | None = None,
    dimension: str | None = None,
    key: str | None = None,
    bucket: int | None = None,
) -> pl.DataFrame:
    """The SLA outcomes behind a chart element (at most TICKET_LIST_LIMIT, worst first)."""
    tier, priority, metric, outcome = (
        filter_value(tier),
        filter_value(priority),
        filter_value(metric),
        filter_value(outcome),
    )
    args = (start, end, tier, priority, metric, outcome, day, dimension, key, bucket)

    def q(sess: Session) -> pl.DataFrame:
        lo, hi = _outcome_window(settings, day or start, day or end)
        clauses = ["o.outcome_at >= ?", "o.outcome_at < ?"]
        params: list[Any] = [lo, hi]
        join = ""
        for col, val in (("o.support_tier", tier), ("o.priority", priority), ("o.metric", metric)):
            if val:
                clauses.append(f"{col} = ?")
                params.append(val)
        if outcome:
            clauses.append("o.outcome = ?")
            params.append(outcome)
        else:
            clauses.append("o.outcome in ('met', 'breached')")
        if dimension in ("product_area", "channel") and key is not None:
            clauses.append(f"coalesce(t.{dimension}, '?') = ?")
            params.append(key)
        elif dimension == "team" and key is not None:
            join = " left join main.dim_team dt on dt.team_id = t.team_id"
            clauses.append("coalesce(dt.team_name, cast(t.team_id as varchar), '?') = ?")
            params.append(key)
        if bucket is not None:
            clauses.append(
                "least(floor(100.0 * o.elapsed_minutes / o.target_minutes / 10) * 10, 300)::int = ?"
            )
            clauses.append("o.completed_at is not null and o.target_minutes > 0")
            params.append(int(bucket))
        sql = (
            "select o.ticket_id, t.created_at, o.support_tier, o.priority, o.metric, o.outcome, "
            "o.clock, o.target_minutes, o.elapsed_minutes, o.due_at, o.outcome_at, "
            "t.product_area, t.channel from main.fct_sla_outcomes o join main.fct_tickets t "
            "on t.ticket_id = o.ticket_id"
            + join
            + " where "
            + " and ".join(clauses)
            + " order by (o.outcome = 'breached') desc, o.elapsed_minutes / "
            "nullif(o.target_minutes, 0) desc limit ?"
        )
        params.append(TICKET_LIST_LIMIT)
        return _df(sess, sql, params)

    return _run(settings, "sla_tickets", args, "all", q)
