"""Support-attributed revenue, deals by competitor and cost per ticket."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard import access
from dashboard.data.connection import Session, _df, _run


def _kr_months(sess: Session, kr_id: str, year: int) -> pl.DataFrame:
    """The month rows of a key result's total in the year: month, actual, target, status."""
    return _df(
        sess,
        "select period as month, actual, target, status from main.fct_okr_progress "
        "where kr_id = ? and period_type = 'month' and fiscal_year = ? and dim_tier = 'all' "
        "and dim_segment = 'all' and dim_region = 'all' order by period",
        [kr_id, year],
    )


def revenue_ytd(settings: Any, viewer: Any, year: int) -> pl.DataFrame:
    """Support-attributed revenue year to date at the end of each month of the year, with
    the month's target and status (the attributed_revenue key result's month rows)."""

    def q(sess: Session) -> pl.DataFrame:
        return _kr_months(sess, "attributed_revenue", year).rename({"actual": "ytd"})

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


def deals_by_competitor(settings: Any, viewer: Any, year: int) -> pl.DataFrame:
    """Per competitor, closed in the year: won, lost, win_rate, poc_closed, poc_won,
    poc_conversion, avg_deal_usd, avg_cycle_days."""

    def q(sess: Session) -> pl.DataFrame:
        df = _df(
            sess,
            """
            select competitor,
                   count(*) filter (where is_won) as won,
                   count(*) filter (where is_lost) as lost,
                   count(*) filter (where had_poc) as poc_closed,
                   count(*) filter (where is_poc_won) as poc_won,
                   avg(amount_usd) filter (where is_won) as avg_deal_usd,
                   avg(sales_cycle_days) as avg_cycle_days
            from main.fct_opportunities
            where is_closed and close_year = ?
            group by 1 order by count(*) desc, 1
            """,
            [year],
        )
        return df.with_columns(
            (pl.col("won") / (pl.col("won") + pl.col("lost"))).alias("win_rate"),
            pl.when(pl.col("poc_closed") > 0)
            .then(pl.col("poc_won") / pl.col("poc_closed"))
            .otherwise(None)
            .alias("poc_conversion"),
        )

    return _run(settings, "deals_by_competitor", (year,), "all", q)


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
