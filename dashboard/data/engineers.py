"""The teams grid and one engineer's profile."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard import access
from dashboard.data.connection import MissingMart, Session, _df, _has_table, _run
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


def engineer_table(settings: Any, viewer: Any, weeks: int = 4) -> pl.DataFrame:
    """Engineers over their last `weeks` ISO weeks, each metric beside its tier target.

    Columns: engineer_id, full_name, team_id, team_name, engineer_tier, is_aggregate,
    engineers, and for each metric m of ENGINEER_METRICS: m and m_target (shares in
    [0, 1]; tickets_handled also tickets_handled_target_max). Engineers the viewer may not
    see by name are folded into one aggregate row per team (no names, no ids).
    """

    def q(sess: Session) -> pl.DataFrame:
        w = engineer_weeks_rows(sess, None, weeks)
        if w.height == 0:
            return w.with_columns(pl.lit(False).alias("is_aggregate"))
        visible = _visible_engineer_ids(sess.con, viewer)
        return _fold_invisible(w, visible)

    return _run(settings, "engineer_table", (weeks,), access.cache_scope(viewer), q)


def engineer_weeks_rows(sess: Session, engineer_id: str | None, weeks: int | None) -> pl.DataFrame:
    """Per-engineer metrics over the last `weeks` weeks, or per week for one engineer.

    Reads fct_engineer_weeks: *_met/*_breached and numerator/denominator columns are
    summed so that a period's compliance is met / (met + breached), never a mean of
    weekly percentages.
    """
    if not _has_table(sess, "fct_engineer_weeks"):
        raise MissingMart("fct_engineer_weeks")
    per_week = engineer_id is not None
    group = "w.week_start, w.iso_week, " if per_week else ""
    if per_week:
        where, params = "where cast(w.engineer_id as varchar) = ?", [engineer_id]
    else:
        where = (
            "where w.week_start > (select max(week_start) from main.fct_engineer_weeks) "
            "- to_weeks(cast(? as integer))"
        )
        params = [weeks]
    sql = f"""
        select {group}cast(w.engineer_id as varchar) as engineer_id,
               any_value(e.full_name) as full_name,
               any_value(cast(w.team_id as varchar)) as team_id,
               any_value(e.team_name) as team_name,
               any_value(cast(w.engineer_tier as varchar)) as engineer_tier,
               sum(w.first_responses_met)::double
                 / nullif(sum(w.first_responses_met + w.first_responses_breached), 0)
                 as response_compliance,
               sum(w.resolutions_met)::double
                 / nullif(sum(w.resolutions_met + w.resolutions_breached), 0)
                 as resolution_compliance,
               sum(w.fcr_tickets)::double / nullif(sum(w.tickets_solved), 0) as fcr,
               sum(w.csat_satisfied)::double / nullif(sum(w.csat_responses), 0) as csat,
               sum(w.qa_score_sum) / nullif(sum(w.qa_reviews), 0) as qa_score,
               avg(w.tickets_handled)::double as tickets_handled,
               arg_max(w.kb_articles_quarter_to_date, w.week_start)::double as kb_articles,
               sum(w.escalations)::double
                 / nullif(sum(w.tickets_solved + w.escalations), 0) as escalation_rate,
               sum(w.first_responses_met + w.first_responses_breached) as response_n,
               sum(w.resolutions_met + w.resolutions_breached) as resolution_n,
               sum(w.tickets_solved) as solved_n,
               sum(w.csat_responses) as csat_n,
               sum(w.qa_reviews) as qa_n,
               any_value(w.target_response_compliance_pct) / 100.0 as response_compliance_target,
               any_value(w.target_resolution_compliance_pct) / 100.0
                 as resolution_compliance_target,
               any_value(w.target_fcr_pct) / 100.0 as fcr_target,
               any_value(w.target_csat_pct) / 100.0 as csat_target,
               any_value(w.target_qa_score) as qa_score_target,
               any_value(w.target_tickets_handled_min) as tickets_handled_target,
               any_value(w.target_tickets_handled_max) as tickets_handled_target_max,
               any_value(w.target_kb_articles_per_quarter) as kb_articles_target,
               any_value(w.target_escalation_rate_max_pct) / 100.0 as escalation_rate_target
        from main.fct_engineer_weeks w
        left join main.dim_engineer e on e.engineer_id = w.engineer_id
        {where}
        group by {group}w.engineer_id
        order by {"w.week_start" if per_week else "any_value(e.team_name), any_value(e.full_name)"}
    """
    df = _df(sess, sql, params)
    if per_week:
        df = df.rename({"week_start": "week"})
    return df


def _fold_invisible(df: pl.DataFrame, visible: set[str] | None) -> pl.DataFrame:
    df = df.with_columns(pl.lit(False).alias("is_aggregate"))
    if visible is None:
        return df
    mine = df.filter(pl.col("engineer_id").cast(pl.Utf8).is_in(sorted(visible)))
    others = df.filter(~pl.col("engineer_id").cast(pl.Utf8).is_in(sorted(visible)))
    if others.height == 0:
        return mine
    metric_cols = [m for m, _k, _h in ENGINEER_METRICS]
    agg = others.group_by("team_id").agg(
        pl.col("team_name").first(),
        pl.lit(None, dtype=pl.Utf8).alias("engineer_id"),
        pl.lit(None, dtype=pl.Utf8).alias("full_name"),
        pl.lit(None, dtype=pl.Utf8).alias("engineer_tier"),
        *[pl.col(m).mean() for m in metric_cols],
        pl.len().alias("engineers"),
    )
    agg = agg.with_columns(pl.lit(True).alias("is_aggregate"))
    return pl.concat(
        [mine.with_columns(pl.lit(1, dtype=pl.UInt32).alias("engineers")), agg],
        how="diagonal_relaxed",
    )


def engineer_profile(settings: Any, viewer: Any, engineer_id: str) -> dict[str, Any]:
    """One engineer: identity, weekly metrics, QA reviews, CSAT comments, KB, tickets.

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
        weekly = engineer_weeks_rows(sess, ident["engineer_id"], None)
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
            "weekly": weekly,
            "qa": qa,
            "csat": csat,
            "kb": kb,
            "tickets": tickets,
        }

    result = _run(settings, "engineer_profile", (engineer_id,), access.cache_scope(viewer), q)
    if result.get("forbidden"):
        raise Forbidden(engineer_id)
    return result


def engineer_csv_rows(settings: Any, viewer: Any, weeks: int = 4) -> pl.DataFrame:
    """What the teams CSV export contains: exactly the table the viewer sees."""
    return engineer_table(settings, viewer, weeks)
