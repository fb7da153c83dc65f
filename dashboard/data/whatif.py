"""What-if queries: SLA compliance under a draft policy beside the live one.

Reads only marts: `fct_sla_whatif_compliance_periods` (live and draft compliance,
target and status per scenario, period, tier, priority and metric: dbt computes the
draft by the rule the live numbers use) and `fct_sla_whatif_outcomes` (the ticket
metrics a draft scenario changes, for the list of tickets). Nothing is counted here.

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


def periods(settings: Any, viewer: Any) -> list[dict[str, Any]]:
    """The periods the page offers, newest first within each kind (quarters, months,
    years): label, kind, start, end, is_partial of fct_sla_whatif_compliance_periods."""
    _check(viewer)

    def q(sess: Session) -> list[dict[str, Any]]:
        return _frame(
            sess,
            "select distinct period_label as label, period_kind as kind, "
            "period_start as start, period_end as end, is_partial "
            "from main.fct_sla_whatif_compliance_periods "
            "order by list_position(['quarter', 'month', 'year'], kind), label desc",
            {},
        ).to_dicts()

    return _run(settings, "whatif_periods", (), access.cache_scope(viewer), q)


def period_label(start: date) -> str:
    """The quarter label ('2025-Q1') of a quarter's first day, as the mart writes it."""
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def compare(settings: Any, viewer: Any, scenario: str, period: str) -> pl.DataFrame:
    """The fct_sla_whatif_compliance_periods rows of one scenario and period, as they
    are: per tier x priority x metric live and draft met / breached, compliance (share),
    status, the tier's target (share) and the outcomes the draft changes."""
    _check(viewer)

    def q(sess: Session) -> pl.DataFrame:
        sql = """
        select support_tier, priority, metric,
               live_met_count as live_met, live_breached_count as live_breached,
               draft_met_count as draft_met, draft_breached_count as draft_breached,
               changed_count as changed,
               live_compliance_pct / 100.0 as live_compliance,
               draft_compliance_pct / 100.0 as draft_compliance,
               compliance_change_pp as change_pp,
               target_pct / 100.0 as target, live_status, draft_status, is_partial
        from main.fct_sla_whatif_compliance_periods
        where scenario = $scenario and period_label = $period
        order by
            list_position(['premium', 'professional', 'standard'], support_tier),
            list_position(['critical', 'high', 'medium', 'low'], priority),
            list_position(['first_response', 'resolution', 'next_reply'], metric)
        """
        return _frame(sess, sql, {"scenario": scenario, "period": period})

    args = (scenario, period)
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
