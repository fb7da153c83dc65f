"""What-if queries: SLA compliance under a draft policy beside the live one.

Reads only marts: `fct_sla_outcomes` (live) and `fct_sla_whatif_outcomes` (the ticket
metrics a draft scenario changes, live and draft outcome side by side, built by dbt
from seeds/sla_policy_drafts.csv). Compliance under the draft is the live count minus
the changed rows' live outcomes plus their draft outcomes, each counted in the period
its own outcome moment falls in - so the draft is judged by exactly the rule the live
numbers use (met / (met + breached) among outcomes whose moment is in the period).

Access: aggregated compliance and ticket ids, no personal names; VPs and leads only,
checked here where the data is read (fails closed for engineers and the wall).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from dashboard import access
from dashboard.data.connection import Session, _run, _tz
from dashboard.data.meta import build_info
from dashboard.data.periods import quarter_bounds
from dashboard.data.sla import _outcome_window
from dashboard.data.visibility import Forbidden

MAX_TICKETS = 500


def _check(viewer: Any) -> None:
    """The page's own rule in `dashboard.access` (VPs and leads), also where data is read."""
    if not access.may_open(viewer, "whatif"):
        raise Forbidden("what-if is for VPs and leads")


def scenarios(settings: Any, viewer: Any) -> list[str]:
    """Draft scenarios that change at least one outcome row, by name."""
    _check(viewer)

    def q(sess: Session) -> list[str]:
        rows = sess.con.execute(
            "select distinct scenario from main.fct_sla_whatif_outcomes order by 1"
        ).fetchall()
        return [r[0] for r in rows]

    return _run(settings, "whatif_scenarios", (), access.cache_scope(viewer), q)


def previous_quarter(settings: Any, viewer: Any) -> tuple[date, date]:
    """The last whole quarter before the warehouse's as-of (Moscow dates, inclusive)."""
    info = build_info(settings, viewer)
    as_of = info.get("as_of") or datetime.now(UTC).replace(tzinfo=None)
    today = as_of.replace(tzinfo=UTC).astimezone(_tz(settings)).date()
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    start, after = quarter_bounds(year, quarter)
    return start, date.fromordinal(after.toordinal() - 1)


def compare(settings: Any, viewer: Any, scenario: str, start: date, end: date) -> pl.DataFrame:
    """Per tier x priority x metric over Moscow dates [start, end]: live and draft met,
    breached and compliance, and the number of outcomes the draft changes."""
    _check(viewer)

    def q(sess: Session) -> pl.DataFrame:
        lo, hi = _outcome_window(settings, start, end)
        sql = """
        with live as (
            select support_tier, priority, metric,
                   count(*) filter (where outcome = 'met') as met,
                   count(*) filter (where outcome = 'breached') as breached
            from main.fct_sla_outcomes
            where outcome in ('met', 'breached') and outcome_at >= $lo and outcome_at < $hi
            group by all
        ), changed as (
            select * from main.fct_sla_whatif_outcomes where scenario = $scenario
        ), removed as (
            select support_tier, priority, metric,
                   count(*) filter (where live_outcome = 'met') as met,
                   count(*) filter (where live_outcome = 'breached') as breached
            from changed
            where live_outcome in ('met', 'breached')
              and live_outcome_at >= $lo and live_outcome_at < $hi
            group by all
        ), added as (
            select support_tier, priority, metric,
                   count(*) filter (where draft_outcome = 'met') as met,
                   count(*) filter (where draft_outcome = 'breached') as breached
            from changed
            where draft_outcome in ('met', 'breached')
              and draft_outcome_at >= $lo and draft_outcome_at < $hi
            group by all
        ), flipped as (
            select support_tier, priority, metric, count(*) as n
            from changed
            where is_outcome_changed and (
                (live_outcome_at >= $lo and live_outcome_at < $hi)
                or (draft_outcome_at >= $lo and draft_outcome_at < $hi))
            group by all
        ), keys as (
            select support_tier, priority, metric from live
            union select support_tier, priority, metric from added
        )
        select k.support_tier, k.priority, k.metric,
               coalesce(l.met, 0) as live_met, coalesce(l.breached, 0) as live_breached,
               coalesce(l.met, 0) - coalesce(r.met, 0) + coalesce(a.met, 0) as draft_met,
               coalesce(l.breached, 0) - coalesce(r.breached, 0) + coalesce(a.breached, 0)
                   as draft_breached,
               coalesce(f.n, 0) as changed
        from keys k
        left join live l using (support_tier, priority, metric)
        left join removed r using (support_tier, priority, metric)
        left join added a using (support_tier, priority, metric)
        left join flipped f using (support_tier, priority, metric)
        order by
            list_position(['premium', 'professional', 'standard'], k.support_tier),
            list_position(['critical', 'high', 'medium', 'low'], k.priority),
            list_position(['first_response', 'resolution', 'next_reply'], k.metric)
        """
        df = _frame(sess, sql, {"lo": lo, "hi": hi, "scenario": scenario})
        return df.with_columns(
            _ratio("live_met", "live_breached").alias("live_compliance"),
            _ratio("draft_met", "draft_breached").alias("draft_compliance"),
        )

    args = (scenario, start, end)
    return _run(settings, "whatif_compare", args, access.cache_scope(viewer), q)


def changed_tickets(
    settings: Any, viewer: Any, scenario: str, start: date, end: date
) -> pl.DataFrame:
    """The outcomes the draft changes in the period (either moment inside it)."""
    _check(viewer)

    def q(sess: Session) -> pl.DataFrame:
        lo, hi = _outcome_window(settings, start, end)
        sql = f"""
        select cast(ticket_id as varchar) as ticket_id, support_tier, priority, metric,
               instance, live_target_minutes, draft_target_minutes, live_outcome,
               live_outcome_at, draft_outcome, draft_outcome_at
        from main.fct_sla_whatif_outcomes
        where scenario = $scenario and is_outcome_changed and (
            (live_outcome_at >= $lo and live_outcome_at < $hi)
            or (draft_outcome_at >= $lo and draft_outcome_at < $hi))
        order by coalesce(live_outcome_at, draft_outcome_at), ticket_id, metric, instance
        limit {MAX_TICKETS}
        """
        return _frame(sess, sql, {"lo": lo, "hi": hi, "scenario": scenario})

    args = (scenario, start, end)
    return _run(settings, "whatif_tickets", args, access.cache_scope(viewer), q)


def _frame(sess: Session, sql: str, params: dict[str, Any]) -> pl.DataFrame:
    """Named parameters ($lo, $hi, $scenario): each value used several times, bound once."""
    return sess.con.sql(sql, params=params).pl()


def _ratio(met: str, breached: str) -> pl.Expr:
    total = pl.col(met) + pl.col(breached)
    return pl.when(total > 0).then(pl.col(met) / total).otherwise(None)
