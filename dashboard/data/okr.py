"""Key results for the OKR page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from dashboard.data.connection import (
    MissingMart,
    Session,
    _df,
    _has_table,
    _run,
    _utc_naive,
    filter_value,
)
from dashboard.data.periods import quarter_bounds


def okr_progress(
    settings: Any,
    viewer: Any,
    year: int,
    quarter: int | None,
    tier: str | None = None,
    region: str | None = None,
    segment: str | None = None,
) -> dict[str, Any]:
    """Key results for the period with their monthly trend, for the global filters.

    fct_okr_progress carries breakdown rows (dim_tier / dim_segment / dim_region, 'all'
    for the total) for KRs that have one: with at most one filter those rows are read
    as they are. With two or more filters, the KRs computable from the facts are
    recomputed (`okr_filtered`). KRs without a breakdown keep their total and are
    flagged `unfiltered`.

    Returns {"period": str, "krs": [ {kr_id, objective_id, objective, key_result, unit,
    direction, actual, target, status, projection, projected_status, is_low_n,
    denominator, unfiltered, monthly: [{period, actual, target}]} ]}. Percent KRs are in
    percent (0-100), as in the mart.
    """
    tier, region, segment = filter_value(tier), filter_value(region), filter_value(segment)
    period = f"{year}-Q{quarter}" if quarter else str(year)
    chosen = [v for v in (tier, region, segment) if v]

    def q(sess: Session) -> dict[str, Any]:
        if not _has_table(sess, "fct_okr_progress"):
            raise MissingMart("fct_okr_progress")
        # The trend runs from January to the end of the chosen quarter.
        months = [f"{year}-{m:02d}" for m in range(1, 13)]
        if quarter:
            months = months[: 3 * quarter]
        dims = (
            [tier or "all", segment or "all", region or "all"]
            if len(chosen) <= 1
            else ["all", "all", "all"]
        )
        cols = (
            "kr_id, objective_id, objective, key_result, period, actual, target, unit, "
            "direction, status, projection, projected_status, is_low_n, denominator, "
            "measure, projection_method"
        )
        rows = _df(
            sess,
            f"select {cols}, (dim_tier, dim_segment, dim_region) = (?, ?, ?) as exact "
            "from main.fct_okr_progress where period in (select unnest(?)) "
            "and ((dim_tier, dim_segment, dim_region) = (?, ?, ?) "
            "or (dim_tier = 'all' and dim_segment = 'all' and dim_region = 'all'))",
            [*dims, [period, *months], *dims],
        )
        # Prefer the exact breakdown row; fall back to the total (flagged unfiltered).
        rows = rows.sort("exact", descending=True).unique(["kr_id", "period"], keep="first")
        current = rows.filter(pl.col("period") == period).sort(["objective_id", "kr_id"])
        krs = []
        for row in current.iter_rows(named=True):
            series = (
                rows.filter((pl.col("kr_id") == row["kr_id"]) & (pl.col("period") != period))
                .sort("period")
                .select("period", "actual", "target")
            )
            row["unfiltered"] = bool(chosen) and not row.pop("exact")
            row.pop("exact", None)
            row["monthly"] = series.to_dicts()
            krs.append(row)
        return {"krs": krs, "period": period}

    result = _run(
        settings, "okr_progress", (year, quarter, *dims_key(tier, region, segment)), "all", q
    )
    if len(chosen) > 1:
        result = _apply_recomputed(settings, viewer, result, year, quarter, tier, region, segment)
    return result


def dims_key(*values: str | None) -> tuple[str, ...]:
    return tuple(v or "all" for v in values)


def _apply_recomputed(
    settings: Any,
    viewer: Any,
    result: dict[str, Any],
    year: int,
    quarter: int | None,
    tier: str | None,
    region: str | None,
    segment: str | None,
) -> dict[str, Any]:
    """Replace the totals of recomputable KRs by their value for a filter combination."""
    recomputed = okr_filtered(settings, viewer, year, quarter, tier, region, segment)
    krs = []
    for kr in result["krs"]:
        kr = dict(kr)
        fresh = recomputed.get(kr["kr_id"])
        if fresh is None:
            kr["unfiltered"] = True
        else:
            kr["actual"] = fresh["actual"]
            kr["denominator"] = fresh["n"]
            kr["status"] = okr_status(fresh["actual"], kr["target"], kr["direction"])
            kr["projection"] = None
            kr["projected_status"] = None
            kr["unfiltered"] = False
            kr["monthly"] = [
                {
                    "period": m["period"],
                    "actual": fresh["monthly"].get(m["period"]),
                    "target": m["target"],
                }
                for m in kr["monthly"]
            ]
        krs.append(kr)
    return {"krs": krs, "period": result["period"]}


def okr_status(
    actual: float | None, target: float | None, direction: str | None, band_pct: float = 5.0
) -> str:
    """DESIGN s4: on track at target, at risk within the amber band, else off track."""
    if actual is None or target is None:
        return "no_data"
    band = abs(target) * band_pct / 100.0
    if direction == "lower":
        if actual <= target:
            return "on_track"
        return "at_risk" if actual <= target + band else "off_track"
    if actual >= target:
        return "on_track"
    return "at_risk" if actual >= target - band else "off_track"


def okr_filtered(
    settings: Any,
    viewer: Any,
    year: int,
    quarter: int | None,
    tier: str | None,
    region: str | None,
    segment: str | None,
) -> dict[str, dict[str, Any]]:
    """Actuals of the filterable KRs recomputed from the facts for tier/region/segment.

    Returns {kr_id: {"actual": float|None, "n": int, "monthly": {"YYYY-MM": float}}}.
    Shares are returned in percent (0-100), like the OKR mart's targets.
    """
    tier, region, segment = filter_value(tier), filter_value(region), filter_value(segment)
    start, end = quarter_bounds(year, quarter)
    args = (year, quarter, tier, region, segment)

    def acct_filter(alias: str) -> tuple[str, list[Any]]:
        if not region and not segment:
            return "", []
        clauses, params = [], []
        if region:
            clauses.append("a.region = ?")
            params.append(region)
        if segment:
            clauses.append("a.segment = ?")
            params.append(segment)
        return (
            f" and {alias}.account_id in (select a.account_id from main.dim_account a where "
            + " and ".join(clauses)
            + ")",
            params,
        )

    def q(sess: Session) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        tz = getattr(settings, "timezone", "Europe/Moscow")

        def monthly_ratio(kr: str, sql: str, params: list[Any]) -> None:
            df = _df(sess, sql, params)
            total_num = float(df["num"].sum() or 0) if df.height else 0.0
            total_den = float(df["den"].sum() or 0) if df.height else 0.0
            out[kr] = {
                "actual": (100.0 * total_num / total_den) if total_den else None,
                "n": int(total_den),
                "monthly": {
                    r["month"]: (100.0 * r["num"] / r["den"] if r["den"] else None)
                    for r in df.iter_rows(named=True)
                },
            }

        # SLA compliance (from the per-ticket outcomes, so region/segment can apply).
        t_acct, t_params = acct_filter("t")
        tier_sql = " and o.support_tier = ?" if tier else ""
        tier_p = [tier] if tier else []
        for kr, metric in (
            ("first_response_sla", "first_response"),
            ("resolution_sla", "resolution"),
            ("sla_compliance", None),
        ):
            metric_sql = " and o.metric = ?" if metric else ""
            metric_p = [metric] if metric else []
            monthly_ratio(
                kr,
                "select strftime(timezone(?, timezone('UTC', o.outcome_at)), '%Y-%m') as month, "
                "count(*) filter (where o.outcome = 'met') as num, "
                "count(*) filter (where o.outcome in ('met', 'breached')) as den "
                "from main.fct_sla_outcomes o join main.fct_tickets t using (ticket_id) "
                "where o.outcome_at >= ? and o.outcome_at < ?"
                + metric_sql
                + tier_sql
                + t_acct
                + " group by 1 order by 1",
                [
                    tz,
                    _utc_naive(datetime.combine(start, datetime.min.time())),
                    _utc_naive(datetime.combine(end, datetime.min.time())),
                    *metric_p,
                    *tier_p,
                    *t_params,
                ],
            )
        # FCR and escalation rate over tickets solved in the period.
        t_tier = " and t.support_tier = ?" if tier else ""
        common = [
            tz,
            datetime.combine(start, datetime.min.time()),
            datetime.combine(end, datetime.min.time()),
            *tier_p,
            *t_params,
        ]
        monthly_ratio(
            "fcr",
            "select strftime(timezone(?, timezone('UTC', t.solved_at)), '%Y-%m') as month, "
            "count(*) filter (where t.is_fcr) as num, count(*) as den "
            "from main.fct_tickets t where t.solved_at >= ? and t.solved_at < ?"
            + t_tier
            + t_acct
            + " group by 1 order by 1",
            common,
        )
        monthly_ratio(
            "escalation_rate",
            "select strftime(timezone(?, timezone('UTC', t.solved_at)), '%Y-%m') as month, "
            "count(*) filter (where t.is_escalated) as num, count(*) as den "
            "from main.fct_tickets t where t.solved_at >= ? and t.solved_at < ?"
            + t_tier
            + t_acct
            + " group by 1 order by 1",
            common,
        )
        # CSAT: responses in the period, joined to their ticket's account.
        c_tier = " and c.support_tier = ?" if tier else ""
        c_acct = ""
        c_params: list[Any] = []
        if region or segment:
            sub, c_params = acct_filter("t2")
            c_acct = (
                " and c.ticket_id in (select t2.ticket_id from main.fct_tickets t2 where true"
                + sub
                + ")"
            )
        monthly_ratio(
            "csat",
            "select strftime(timezone(?, timezone('UTC', c.responded_at)), '%Y-%m') as month, "
            "count(*) filter (where c.score >= 4) as num, count(*) as den "
            "from main.fct_csat_responses c where c.responded_at >= ? and c.responded_at < ?"
            + c_tier
            + c_acct
            + " group by 1 order by 1",
            [
                tz,
                datetime.combine(start, datetime.min.time()),
                datetime.combine(end, datetime.min.time()),
                *tier_p,
                *c_params,
            ],
        )
        # NPS: per wave; the period's quarter(s).
        n_clauses, n_params = [], []
        if tier:
            n_clauses.append("support_tier = ?")
            n_params.append(tier)
        if region:
            n_clauses.append("region = ?")
            n_params.append(region)
        if segment:
            n_clauses.append("segment = ?")
            n_params.append(segment)
        waves = [f"{year}-Q{q_}" for q_ in ([quarter] if quarter else [1, 2, 3, 4])]
        nps = _df(
            sess,
            "select wave, count(*) filter (where score >= 9) as pro, "
            "count(*) filter (where score <= 6) as det, count(*) as n "
            "from main.fct_nps_responses where wave in (select unnest(?))"
            + "".join(f" and {c}" for c in n_clauses)
            + " group by wave order by wave",
            [waves, *n_params],
        )
        pro = float(nps["pro"].sum() or 0) if nps.height else 0.0
        det = float(nps["det"].sum() or 0) if nps.height else 0.0
        n = float(nps["n"].sum() or 0) if nps.height else 0.0
        out["nps"] = {
            "actual": (100.0 * (pro - det) / n) if n else None,
            "n": int(n),
            "monthly": {},
        }
        # Automation share: tier-1-started tickets solved by a bot (tier filter n/a: the
        # account tier still applies).
        monthly_ratio(
            "automation_share",
            "select strftime(timezone(?, timezone('UTC', t.created_at)), '%Y-%m') as month, "
            "count(*) filter (where t.solved_by_bot) as num, count(*) as den "
            "from main.fct_tickets t where t.created_at >= ? and t.created_at < ? "
            "and t.is_started_in_tier1" + t_tier + t_acct + " group by 1 order by 1",
            [
                tz,
                datetime.combine(start, datetime.min.time()),
                datetime.combine(end, datetime.min.time()),
                *tier_p,
                *t_params,
            ],
        )
        return out

    return _run(settings, "okr_filtered", args, "all", q)
