"""Support-attributed revenue, deals by competitor and cost per ticket."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard import access
from dashboard.data.connection import Session, _df, _run


def period_label(year: int, quarter: int | None) -> str:
    """The label the period marts use for a year or a quarter."""
    return f"{year}-Q{quarter}" if quarter else str(year)


def efficiency(settings: Any, viewer: Any, year: int, quarter: int | None) -> dict[str, Any]:
    """metric -> its fct_efficiency_periods row for the period, shaped like a key result
    (actual, target, unit, status, period, is_current_period): cost_per_ticket,
    automation_share, attributed_revenue. The mart sums the months as the OKR key
    results do, and carries the organisation target where a year has no KR."""
    label = period_label(year, quarter)

    def q(sess: Session) -> dict[str, Any]:
        rows = _df(
            sess,
            "select metric as kr_id, period_label as period, is_partial as is_current_period, "
            "value as actual, target, unit, direction, status, projection, projected_status, "
            "target_source, false as is_low_n from main.fct_efficiency_periods "
            "where period_label = ?",
            [label],
        )
        return {r["kr_id"]: r for r in rows.iter_rows(named=True)}

    return _run(settings, "efficiency", (label,), "all", q)


def revenue_ytd(settings: Any, viewer: Any, year: int) -> pl.DataFrame:
    """Support-attributed revenue year to date at the end of each month of the year, with
    the month's target and status (fct_efficiency_periods' month rows)."""

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select period_label as month, value as ytd, target, status "
            "from main.fct_efficiency_periods where metric = 'attributed_revenue' "
            "and period_kind = 'month' and fiscal_year = ? order by period_label",
            [year],
        )

    return _run(settings, "revenue_ytd", (year,), "all", q)


def credited_opportunities(settings: Any, viewer: Any, year: int) -> pl.DataFrame:
    """Closed-won opportunities with support credit in the year (no names for the wall)."""

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select o.opportunity_id, a.account_name, o.opportunity_type, o.competitor, "
            "o.close_date, o.amount_usd, o.support_credit_pct, o.attributed_revenue_usd "
            "from main.fct_opportunities o left join main.dim_account a "
            "on a.account_id = o.account_id "
            "where o.is_won and o.has_support_credit and o.close_year = ? "
            "order by o.attributed_revenue_usd desc limit 200",
            [year],
        )

    result = _run(settings, "credited_opportunities", (year,), "all", q)
    if not access.sees_names(viewer):
        result = result.drop("account_name")
    return result


def deals_by_competitor(
    settings: Any, viewer: Any, year: int, quarter: int | None = None
) -> pl.DataFrame:
    """Per competitor, closed in the period (fct_competitor_periods rows): won, lost,
    win_rate, poc_closed, poc_won, poc_conversion (shares), avg_deal_usd,
    avg_cycle_days."""
    label = period_label(year, quarter)

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select competitor, won_count as won, lost_count as lost, "
            "win_rate_pct / 100.0 as win_rate, poc_closed_count as poc_closed, "
            "poc_won_count as poc_won, poc_conversion_pct / 100.0 as poc_conversion, "
            "avg_deal_usd, avg_sales_cycle_days as avg_cycle_days "
            "from main.fct_competitor_periods where period_label = ? and competitor <> 'all' "
            "order by won_count + lost_count desc, competitor",
            [label],
        )

    return _run(settings, "deals_by_competitor", (label,), "all", q)


def cost_monthly(settings: Any, viewer: Any, year: int) -> pl.DataFrame:
    """Per month of the year, fct_cost_per_ticket's rows: cost_usd, cost_rub, tickets,
    cost_per_ticket_usd / _rub, automation_share (share), tier-1 and automated tickets."""

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select month, support_cost_usd as cost_usd, support_cost_rub as cost_rub, "
            "tickets_created as tickets, cost_per_ticket_usd, cost_per_ticket_rub, "
            "automation_share_pct / 100.0 as automation_share, tier1_started_tickets, "
            "automated_tickets from main.fct_cost_per_ticket "
            "where year(month_start) = ? order by month_start",
            [year],
        )

    return _run(settings, "cost_monthly", (year,), "all", q)
