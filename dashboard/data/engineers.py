"""The teams grid and one engineer's profile: rows of fct_engineer_periods.

fct_engineer_periods holds one row per engineer, period and metric with its value,
target, direction and status (dbt macro metric_status). The teams page and the engineer
page read the same rows for the same engineer and period (`engineer_rows`), so they
cannot disagree; this module only reshapes them (one column per metric) and converts
percent values to shares. Engineers a viewer may not see by name are shown as their
team's row of fct_team_periods (the team's numerators and denominators summed, with the
mean of its engineers' targets and the mart's status).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard import access
from dashboard.data.connection import Session, _df, _run
from dashboard.data.visibility import Forbidden, _visible_engineer_ids

ENGINEER_METRICS = (
    # (metric, kind: share|number, higher_is_better)
    ("response_compliance", "share", True),
    ("resolution_compliance", "share", True),
    ("fcr", "share", True),
    ("csat", "share", True),
    ("qa_score", "number", True),
    ("tickets_handled", "number", True),
    ("kb_articles", "number", True),
    ("escalation_rate", "share", False),
)

DEFAULT_PERIOD = "last_4_weeks"

_ROW_COLUMNS = (
    "cast(p.engineer_id as varchar) as engineer_id, e.full_name, "
    "cast(p.team_id as varchar) as team_id, e.team_name, "
    "cast(p.engineer_tier as varchar) as engineer_tier, p.period_kind, p.period_label, "
    "p.period_start, p.period_end, p.is_partial, p.metric, p.unit, p.value, p.target, "
    "p.target_max, p.status, p.is_low_n, p.denominator"
)


def _wide(long: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """One row per `keys` with, per metric m: m, m_target, m_status, m_low_n, m_n
    (percent values and targets as shares in [0, 1]); tickets_handled_target_max."""
    if long.height == 0:
        return pl.DataFrame(schema={k: pl.Utf8 for k in keys})
    scale = pl.when(pl.col("unit") == "pct").then(100.0).otherwise(1.0)
    long = long.with_columns(
        (pl.col("value") / scale).alias("value"),
        (pl.col("target") / scale).alias("target"),
    )
    values = ["value", "target", "status", "is_low_n", "denominator"]
    wide = long.pivot(on="metric", index=keys, values=values, aggregate_function=None)
    names = {f"value_{m}": m for m, _k, _h in ENGINEER_METRICS}
    names |= {f"target_{m}": f"{m}_target" for m, _k, _h in ENGINEER_METRICS}
    names |= {f"status_{m}": f"{m}_status" for m, _k, _h in ENGINEER_METRICS}
    names |= {f"is_low_n_{m}": f"{m}_low_n" for m, _k, _h in ENGINEER_METRICS}
    names |= {f"denominator_{m}": f"{m}_n" for m, _k, _h in ENGINEER_METRICS}
    wide = wide.rename({k: v for k, v in names.items() if k in wide.columns})
    target_max = long.filter(pl.col("metric") == "tickets_handled").select(
        *keys, pl.col("target_max").alias("tickets_handled_target_max")
    )
    wide = wide.join(target_max, on=keys, how="left")
    return wide


def engineer_rows(sess: Session, period: str, engineer_id: str | None = None) -> pl.DataFrame:
    """The fct_engineer_periods rows of a period label (every engineer, or one), wide."""
    sql = (
        f"select {_ROW_COLUMNS} from main.fct_engineer_periods p "
        "left join main.dim_engineer e on e.engineer_id = p.engineer_id "
        "where p.period_label = ?"
    )
    params: list[Any] = [period]
    if engineer_id is not None:
        sql += " and cast(p.engineer_id as varchar) = ?"
        params.append(engineer_id)
    long = _df(sess, sql + " order by e.team_name, e.full_name, p.metric", params)
    keys = [
        "engineer_id",
        "full_name",
        "team_id",
        "team_name",
        "engineer_tier",
        "period_kind",
        "period_label",
        "period_start",
        "period_end",
        "is_partial",
    ]
    return _wide(long, keys).sort(["team_name", "full_name"], nulls_last=True)


def engineer_periods(settings: Any, viewer: Any) -> list[dict[str, Any]]:
    """The periods the teams page offers, newest first: the last four full weeks, then
    the months and quarters of fct_engineer_periods (label, kind, is_partial)."""

    def q(sess: Session) -> list[dict[str, Any]]:
        return _df(
            sess,
            "select distinct period_label as label, period_kind as kind, is_partial "
            "from main.fct_engineer_periods where period_kind <> 'iso_week'",
        ).to_dicts()

    periods = _run(settings, "engineer_periods", (), "all", q)
    last = [p for p in periods if p["kind"] == "last_4_weeks"]
    months = sorted((p for p in periods if p["kind"] == "month"), key=lambda p: p["label"])
    quarters = sorted((p for p in periods if p["kind"] == "quarter"), key=lambda p: p["label"])
    return last + months[::-1][:6] + quarters[::-1][:4]


def engineer_table(settings: Any, viewer: Any, period: str = DEFAULT_PERIOD) -> pl.DataFrame:
    """Engineers in `period` (a period_label of fct_engineer_periods), one row each with
    every metric beside its target and status.

    Columns: engineer_id, full_name, team_id, team_name, engineer_tier, period_label,
    period_start, period_end, is_partial, is_aggregate, engineers, and for each metric m
    of ENGINEER_METRICS: m, m_target, m_status, m_low_n, m_n (shares in [0, 1]);
    tickets_handled_target_max. Engineers the viewer may not see by name are replaced by
    their team's row (fct_team_periods: no names, no ids).
    """

    def q(sess: Session) -> pl.DataFrame:
        rows = engineer_rows(sess, period)
        if rows.height == 0:
            return rows.with_columns(pl.lit(False).alias("is_aggregate"))
        visible = _visible_engineer_ids(sess.con, viewer)
        rows = rows.with_columns(
            pl.lit(False).alias("is_aggregate"), pl.lit(1, dtype=pl.Int64).alias("engineers")
        )
        if visible is None:
            return rows
        mine = rows.filter(pl.col("engineer_id").is_in(sorted(visible)))
        hidden_teams = sorted(
            set(rows.filter(~pl.col("engineer_id").is_in(sorted(visible)))["team_id"].to_list())
        )
        if not hidden_teams:
            return mine
        teams = _df(
            sess,
            "select cast(p.team_id as varchar) as team_id, t.team_name, p.period_kind, "
            "p.period_label, p.period_start, p.period_end, p.is_partial, p.metric, p.unit, "
            "p.value, p.target, p.target_max, p.status, false as is_low_n, p.denominator, "
            "p.engineers from main.fct_team_periods p "
            "left join main.dim_team t on t.team_id = p.team_id "
            "where p.period_label = ? and cast(p.team_id as varchar) in (select unnest(?))",
            [period, hidden_teams],
        )
        keys = ["team_id", "team_name", "period_kind", "period_label", "period_start"]
        keys += ["period_end", "is_partial"]
        counts = teams.group_by("team_id").agg(pl.col("engineers").max())
        folded = _wide(teams.drop("engineers"), keys).join(counts, on="team_id")
        folded = folded.with_columns(pl.lit(True).alias("is_aggregate"))
        return pl.concat([mine, folded], how="diagonal_relaxed")

    return _run(settings, "engineer_table", (period,), access.cache_scope(viewer), q)


def engineer_profile(
    settings: Any, viewer: Any, engineer_id: str, period: str = DEFAULT_PERIOD
) -> dict[str, Any]:
    """One engineer: identity, the period's metrics (the teams page's row), weekly
    metrics, QA reviews, CSAT comments, KB articles, tickets.

    Raises Forbidden when the viewer may not see this engineer by name.
    """

    def q(sess: Session) -> dict[str, Any]:
        e = _df(
            sess,
            "select cast(engineer_id as varchar) as engineer_id, full_name, "
            "cast(team_id as varchar) as team_id, team_name, "
            "cast(support_tier as varchar) as engineer_tier from main.dim_engineer "
            "where cast(engineer_id as varchar) = ?",
            [engineer_id],
        )
        if e.height == 0:
            return {"found": False}
        ident = e.row(0, named=True)
        if not access.can_see_engineer(viewer, ident["engineer_id"], ident["team_id"]):
            return {"found": True, "forbidden": True}
        summary = engineer_rows(sess, period, ident["engineer_id"])
        weekly = _df(
            sess,
            f"select {_ROW_COLUMNS} from main.fct_engineer_periods p "
            "left join main.dim_engineer e on e.engineer_id = p.engineer_id "
            "where p.period_kind = 'iso_week' and cast(p.engineer_id as varchar) = ?",
            [ident["engineer_id"]],
        )
        weekly = _wide(weekly, ["period_label", "period_start"]).sort("period_start")
        qa = _df(
            sess,
            "select review_id, ticket_id, reviewed_at, technical_accuracy, communication, "
            "timeliness, process, customer_satisfaction, total_score from main.fct_qa_reviews "
            "where cast(engineer_id as varchar) = ? "
            "order by reviewed_at desc limit 50",
            [engineer_id],
        )
        csat = _df(
            sess,
            "select ticket_id, responded_at, score, comment_text as comment "
            "from main.fct_csat_responses where cast(solver_id as varchar) = ? "
            "order by (comment_text is null), responded_at desc limit 50",
            [engineer_id],
        )
        kb = _df(
            sess,
            "select article_id, published_at, category, language, status "
            "from main.fct_kb_articles where cast(author_id as varchar) = ? "
            "order by published_at desc nulls last limit 50",
            [engineer_id],
        )
        tickets = _df(
            sess,
            "select ticket_id, created_at, support_tier, priority, product_area, channel, "
            "is_open, solved_at, resolution_minutes, is_fcr from main.fct_tickets "
            "where cast(solver_id as varchar) = ? or cast(first_responder_id as varchar) = ? "
            "order by created_at desc limit 100",
            [engineer_id, engineer_id],
        )
        return {
            "found": True,
            "forbidden": False,
            "engineer": ident,
            "summary": summary.row(0, named=True) if summary.height else {},
            "weekly": weekly,
            "qa": qa,
            "csat": csat,
            "kb": kb,
            "tickets": tickets,
        }

    result = _run(
        settings, "engineer_profile", (engineer_id, period), access.cache_scope(viewer), q
    )
    if result.get("forbidden"):
        raise Forbidden(engineer_id)
    return result


def engineer_csv_rows(settings: Any, viewer: Any, period: str = DEFAULT_PERIOD) -> pl.DataFrame:
    """What the teams CSV export contains: exactly the table the viewer sees."""
    return engineer_table(settings, viewer, period)
