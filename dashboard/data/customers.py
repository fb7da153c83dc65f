"""NPS, CSAT, retention and support impact for the customers page."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.data.connection import Session, _df, _run, filter_value

NPS_SPLITS = {"support_tier": "support_tier", "segment": "segment", "region": "region"}


def nps_by_wave(settings: Any, viewer: Any, split: str) -> pl.DataFrame:
    """NPS per wave and group: wave, grp, n, promoters, detractors, nps, low_n."""
    if split not in NPS_SPLITS:
        raise ValueError(split)

    def q(sess: Session) -> pl.DataFrame:
        col = NPS_SPLITS[split]
        df = _df(
            sess,
            f"select wave, coalesce(cast({col} as varchar), '?') as grp, count(*) as n, "
            "count(*) filter (where score >= 9) as promoters, "
            "count(*) filter (where score <= 6) as detractors "
            "from main.fct_nps_responses group by all order by wave, grp",
        )
        return df.with_columns(
            (100.0 * (pl.col("promoters") - pl.col("detractors")) / pl.col("n")).alias("nps"),
            (pl.col("n") < 30).alias("low_n"),
        )

    return _run(settings, "nps_by_wave", (split,), "all", q)


def csat_monthly(settings: Any, viewer: Any, tier: str | None) -> pl.DataFrame:
    """CSAT per Moscow month: month, n, satisfied, csat (share), mean_score."""
    tier = filter_value(tier)

    def q(sess: Session) -> pl.DataFrame:
        sql = (
            "select strftime(responded_month, '%Y-%m') as month, count(*) as n, "
            "count(*) filter (where is_satisfied) as satisfied, avg(score) as mean_score "
            "from main.fct_csat_responses"
        )
        params: list[Any] = []
        if tier:
            sql += " where support_tier = ?"
            params.append(tier)
        df = _df(sess, sql + " group by 1 order by 1", params)
        return df.with_columns((pl.col("satisfied") / pl.col("n")).alias("csat"))

    return _run(settings, "csat_monthly", (tier,), "all", q)


def retention(settings: Any, viewer: Any, grain: str = "quarter") -> pl.DataFrame:
    """Retention and net expansion per period with components (fct_retention, all accounts).

    Columns: period, is_complete, starting_accounts, retained_accounts, churned_accounts,
    logo_retention, net_expansion, expansion, contraction, churn (shares).
    """

    def q(sess: Session) -> pl.DataFrame:
        df = _df(
            sess,
            "select period, is_complete, starting_accounts, retained_accounts, "
            "churned_accounts, logo_retention_pct / 100.0 as logo_retention, "
            "net_expansion_pct / 100.0 as net_expansion, expansion_pct / 100.0 as expansion, "
            "contraction_pct / 100.0 as contraction, churn_pct / 100.0 as churn "
            "from main.fct_retention where period_type = ? and dim_tier = 'all' "
            "and dim_segment = 'all' and dim_region = 'all' order by period_start",
            [grain],
        )
        return df

    return _run(settings, "retention", (grain,), "all", q)


def support_impact(settings: Any, viewer: Any) -> pl.DataFrame:
    """Accounts with at least one SLA breach vs without: accounts, retained share, NPS.

    Retention here: of the accounts that had SLA-tracked tickets, the share still active
    in the latest month of fct_account_months. NPS: over all their responses.
    """

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            """
            with breach as (
                select t.account_id, bool_or(o.outcome = 'breached') as had_breach
                from main.fct_sla_outcomes o
                join main.fct_tickets t on t.ticket_id = o.ticket_id
                where o.outcome in ('met', 'breached')
                group by 1
            ), active_now as (
                select account_id, bool_or(is_active) as active
                from main.fct_account_months
                where month_start = (select max(month_start) from main.fct_account_months)
                group by 1
            ), nps as (
                select account_id, count(*) as n,
                       count(*) filter (where score >= 9) as pro,
                       count(*) filter (where score <= 6) as det
                from main.fct_nps_responses group by 1
            )
            select b.had_breach, count(*) as accounts,
                   avg(case when coalesce(a.active, false) then 1.0 else 0.0 end) as retained,
                   coalesce(sum(n.n), 0) as nps_n,
                   100.0 * (sum(n.pro) - sum(n.det)) / nullif(sum(n.n), 0) as nps
            from breach b left join active_now a using (account_id)
            left join nps n using (account_id)
            group by 1 order by 1
            """,
        )

    return _run(settings, "support_impact", (), "all", q)
