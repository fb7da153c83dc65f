"""SLA compliance, distributions, breaches and ticket lists for the SLA page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from dashboard.data.connection import (
    TICKET_LIST_LIMIT,
    Session,
    _df,
    _first,
    _run,
    _tz,
    filter_value,
)
from dashboard.data.meta import build_info

# SLA key results of the OKR mart per metric of the page ('overall' = both metrics):
# the page's tiles read these rows, as the OKR page does. FY2025 has no overall KR.
SLA_KEY_RESULTS = {
    "overall": "sla_compliance",
    "first_response": "first_response_sla",
    "resolution": "resolution_sla",
}


def sla_kr_period(start: date, end: date) -> tuple[int, int | None]:
    """The OKR period whose SLA key results the page's tiles show for a date range: the
    whole year when the range is exactly a year (the OKR page's year view links so),
    else the quarter the range ends in."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return end.year, None
    return end.year, (end.month - 1) // 3 + 1


def sla_overall(
    settings: Any, viewer: Any, year: int, quarter: int | None, tier: str | None
) -> dict[str, Any] | None:
    """Overall compliance (both metrics) of a quarter or year for a tier or all: the
    fct_sla_compliance_periods row, shaped like a key result (actual and target in
    percent, unit, status, period, is_current_period). The /sla page shows it where the
    year has no overall SLA key result (FY2025)."""
    tier = filter_value(tier)
    label = f"{year}-Q{quarter}" if quarter else str(year)

    def q(sess: Session) -> dict[str, Any] | None:
        rows = _df(
            sess,
            "select 'sla_compliance' as kr_id, period_label as period, "
            "is_partial as is_current_period, compliance_pct as actual, target_pct as target, "
            "'pct' as unit, status, false as is_low_n from main.fct_sla_compliance_periods "
            "where period_label = ? and support_tier = ? and priority = 'all' "
            "and metric = 'overall'",
            [label, tier or "all"],
        )
        return rows.row(0, named=True) if rows.height else None

    return _run(settings, "sla_overall", (label, tier), "all", q)


def sla_period_default(settings: Any, viewer: Any) -> tuple[date, date]:
    """The last 30 Moscow days up to the warehouse's as-of date."""
    info = build_info(settings, viewer)
    as_of = info.get("as_of") or datetime.now(UTC).replace(tzinfo=None)
    end = as_of.replace(tzinfo=UTC).astimezone(_tz(settings)).date()
    return end - timedelta(days=29), end


def _sla_daily_totals(
    sess: Session,
    keys: tuple[str, ...],
    start: date,
    end: date,
    tier: str | None = None,
    metric: str | None = None,
) -> pl.DataFrame:
    """met, breached and compliance from fct_sla_daily over [start, end], grouped by
    `keys` (column names of the mart, or "day"), optionally for one tier and metric."""
    columns = ", ".join("outcome_date as day" if key == "day" else key for key in keys)
    sql = (
        f"select {columns}, sum(met_count)::bigint as met, "
        "sum(breached_count)::bigint as breached from main.fct_sla_daily "
        "where outcome_date between ? and ?"
    )
    params: list[Any] = [start, end]
    for column, value in (("support_tier", tier), ("metric", metric)):
        if value:
            sql += f" and {column} = ?"
            params.append(value)
    df = _df(sess, sql + " group by all order by all", params)
    return df.with_columns(
        (pl.col("met") / (pl.col("met") + pl.col("breached"))).alias("compliance")
    )


def sla_matrix(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None
) -> pl.DataFrame:
    """met, breached, compliance per tier x priority x metric over [start, end]."""
    tier = filter_value(tier)

    def q(sess: Session) -> pl.DataFrame:
        return _sla_daily_totals(sess, ("support_tier", "priority", "metric"), start, end, tier)

    return _run(settings, "sla_matrix", (start, end, tier), "all", q)


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
    settings: Any, viewer: Any, start: date, end: date, tier: str | None, metric: str
) -> pl.DataFrame:
    """Histogram of completed clocks as % of their target: bucket (0,10,..,300), n, breached."""
    tier = filter_value(tier)

    def q(sess: Session) -> pl.DataFrame:
        lo, hi = _outcome_window(settings, start, end)
        sql = (
            "select least(floor(100.0 * elapsed_minutes / target_minutes / 10) * 10, 300)::int "
            "as bucket, count(*) as n, count(*) filter (where outcome = 'breached') as breached, "
            "median(elapsed_minutes) as median_minutes "
            "from main.fct_sla_outcomes where metric = ? and completed_at is not null "
            "and target_minutes > 0 and outcome_at >= ? and outcome_at < ?"
        )
        params: list[Any] = [metric, lo, hi]
        if tier:
            sql += " and support_tier = ?"
            params.append(tier)
        return _df(sess, sql + " group by 1 order by 1", params)

    return _run(settings, "sla_distribution", (start, end, tier, metric), "all", q)


def sla_time_stats(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None, metric: str
) -> dict[str, float | None]:
    """Median and 90th percentile elapsed minutes of completed clocks."""
    tier = filter_value(tier)

    def q(sess: Session) -> dict[str, float | None]:
        lo, hi = _outcome_window(settings, start, end)
        sql = (
            "select median(elapsed_minutes), quantile_cont(elapsed_minutes, 0.9), count(*) "
            "from main.fct_sla_outcomes where metric = ? and completed_at is not null "
            "and outcome_at >= ? and outcome_at < ?"
        )
        params: list[Any] = [metric, lo, hi]
        if tier:
            sql += " and support_tier = ?"
            params.append(tier)
        row = _first(sess.con.execute(sql, params).fetchall())
        return {"median": row[0], "p90": row[1], "n": row[2]}

    return _run(settings, "sla_time_stats", (start, end, tier, metric), "all", q)


BREACH_DIMENSIONS = {"product_area": "t.product_area", "channel": "t.channel", "team": "team"}


def sla_breaches_by(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None, dimension: str
) -> pl.DataFrame:
    """Breached outcomes in the window by product area, channel or team: key, breached, total."""
    tier = filter_value(tier)
    if dimension not in BREACH_DIMENSIONS:
        raise ValueError(dimension)

    def q(sess: Session) -> pl.DataFrame:
        lo, hi = _outcome_window(settings, start, end)
        if dimension == "team":
            key = "coalesce(dt.team_name, cast(t.team_id as varchar), '?')"
            join = " left join main.dim_team dt on dt.team_id = t.team_id"
        else:
            key = f"coalesce({BREACH_DIMENSIONS[dimension]}, '?')"
            join = ""
        sql = (
            f"select {key} as key, count(*) filter (where o.outcome = 'breached') as breached, "
            "count(*) as total from main.fct_sla_outcomes o "
            "join main.fct_tickets t on t.ticket_id = o.ticket_id" + join + " "
            "where o.outcome in ('met', 'breached') and o.outcome_at >= ? and o.outcome_at < ?"
        )
        params: list[Any] = [lo, hi]
        if tier:
            sql += " and o.support_tier = ?"
            params.append(tier)
        return _df(sess, sql + " group by 1 order by breached desc, key", params)

    return _run(settings, "sla_breaches_by", (start, end, tier, dimension), "all", q)


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
