"""SLA compliance, distributions, breaches and ticket lists for the SLA page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from dashboard.data.connection import (
    TICKET_LIST_LIMIT,
    MissingMart,
    Session,
    _columns,
    _df,
    _first,
    _has_table,
    _run,
    _tz,
    filter_value,
)
from dashboard.data.meta import build_info

# DESIGN s4 tier targets (overall SLA compliance); used when the warehouse has no
# reference table carrying them.
DEFAULT_TIER_SLA_TARGETS = {"premium": 0.985, "professional": 0.97, "standard": 0.96}


def sla_period_default(settings: Any, viewer: Any) -> tuple[date, date]:
    """The last 30 Moscow days up to the warehouse's as-of date."""
    info = build_info(settings, viewer)
    as_of = info.get("as_of") or datetime.now(UTC).replace(tzinfo=None)
    end = as_of.replace(tzinfo=UTC).astimezone(_tz(settings)).date()
    return end - timedelta(days=29), end


def _daily_date_col(sess: Session) -> str:
    cols = _columns(sess, "fct_sla_daily")
    if not cols:
        raise MissingMart("fct_sla_daily")
    for name in ("outcome_date", "date_msk", "day", "date", "outcome_day"):
        if name in cols:
            return name
    raise MissingMart("fct_sla_daily")


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
    d = _daily_date_col(sess)
    columns = ", ".join(f"{d}::date as day" if key == "day" else key for key in keys)
    sql = (
        f"select {columns}, sum(met_count)::bigint as met, "
        f"sum(breached_count)::bigint as breached from main.fct_sla_daily "
        f"where {d} between ? and ?"
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


def tier_sla_targets(settings: Any, viewer: Any) -> dict[str, float]:
    """Overall SLA compliance target per tier (share), from the seed when published."""
    return tier_targets(settings, viewer, "sla_compliance")


DEFAULT_TIER_TARGETS = {
    "sla_compliance": DEFAULT_TIER_SLA_TARGETS,
    "fcr": {"premium": 0.60, "professional": 0.55, "standard": 0.50},
    "csat": {"premium": 0.90, "professional": 0.85, "standard": 0.80},
}


def tier_targets(settings: Any, viewer: Any, metric: str) -> dict[str, float]:
    """Per-tier target (share) of `metric` from the tier_targets seed, else DESIGN s4."""

    def q(sess: Session) -> dict[str, float]:
        for schema in ("reference", "main"):
            if _has_table(sess, "tier_targets", schema):
                rows = sess.con.execute(
                    f"select support_tier, target_pct from {schema}.tier_targets where metric = ?",
                    [metric],
                ).fetchall()
                if rows:
                    return {r[0]: float(r[1]) / 100.0 for r in rows}
        return dict(DEFAULT_TIER_TARGETS.get(metric, {}))

    return _run(settings, "tier_targets", (metric,), "all", q)


def sla_daily(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None, metric: str | None
) -> pl.DataFrame:
    """Daily compliance per tier: day, support_tier, met, breached, compliance."""
    tier, metric = filter_value(tier), filter_value(metric)

    def q(sess: Session) -> pl.DataFrame:
        return _sla_daily_totals(sess, ("day", "support_tier"), start, end, tier, metric)

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
