"""Support-attributed revenue, deals by competitor and cost per ticket."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard import access
from dashboard.data.connection import Session, _df, _first, _has_table, _run


def revenue_ytd(settings: Any, viewer: Any, year: int) -> dict[str, Any]:
    """Support-attributed revenue in the year by close month, total and the year's target."""

    def q(sess: Session) -> dict[str, Any]:
        monthly = _df(
            sess,
            "select strftime(close_month, '%Y-%m') as month, "
            "sum(attributed_revenue_usd) as credited, count(*) as deals "
            "from main.fct_opportunities where is_won and has_support_credit "
            "and close_year = ? group by 1 order by 1",
            [year],
        )
        target = None
        if _has_table(sess, "fct_okr_progress"):
            row = _first(
                sess.con.execute(
                    "select max(target) from main.fct_okr_progress "
                    "where kr_id = 'attributed_revenue' and period like ?",
                    [f"{year}%"],
                ).fetchall()
            )
            target = float(row[0]) if row and row[0] is not None else None
        return {
            "monthly": monthly,
            "total": float(monthly["credited"].sum() or 0) if monthly.height else 0.0,
            "target": target,
        }

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
    """Per month of the year: cost_usd, cost_rub, tickets, cost_per_ticket_usd / _rub,
    automation_share (share), tickets_per_engineer (tickets created / engineers who
    handled tickets that month)."""

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            """
            with e as (
                select strftime(week_start, '%Y-%m') as month,
                       count(distinct engineer_id) as engineers
                from main.fct_engineer_weeks where tickets_handled > 0 group by 1
            )
            select c.month, c.support_cost_usd as cost_usd, c.support_cost_rub as cost_rub,
                   c.tickets_created as tickets, c.cost_per_ticket_usd, c.cost_per_ticket_rub,
                   c.automation_share_pct / 100.0 as automation_share,
                   c.tier1_started_tickets, c.automated_tickets, e.engineers,
                   c.tickets_created / nullif(e.engineers, 0) as tickets_per_engineer
            from main.fct_cost_per_ticket c left join e on e.month = c.month
            where year(c.month_start) = ? order by c.month_start
            """,
            [year],
        )

    return _run(settings, "cost_monthly", (year,), "all", q)
