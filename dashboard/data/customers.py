"""NPS waves, the CSAT trend, retention and support impact for the customers page.

Every value is a mart row: NPS per wave and group from fct_nps_waves, CSAT per month
from the CSAT key result's month rows of fct_okr_progress (with its target and status),
retention and net expansion per period from fct_retention. The page's headline tiles
are key results (`dashboard.data.okr.key_result`), the same rows the OKR page shows.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard.data.connection import Session, _df, _run, filter_value

# Split of the NPS chart -> the fct_nps_waves dimension it breaks down.
NPS_SPLITS = {"support_tier": "dim_tier", "segment": "dim_segment", "region": "dim_region"}


def nps_by_wave(settings: Any, viewer: Any, split: str) -> pl.DataFrame:
    """NPS per wave and group (fct_nps_waves rows broken down by `split` alone):
    wave, grp, n, promoters, detractors, nps, low_n."""
    if split not in NPS_SPLITS:
        raise ValueError(split)
    column = NPS_SPLITS[split]
    others = [c for c in NPS_SPLITS.values() if c != column]

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            f"select wave, {column} as grp, responses as n, promoters, detractors, nps, "
            f"is_low_n as low_n from main.fct_nps_waves where {column} <> 'all' "
            + "".join(f"and {c} = 'all' " for c in others)
            + "order by wave, grp",
        )

    return _run(settings, "nps_by_wave", (split,), "all", q)


def csat_monthly(settings: Any, viewer: Any, year: int, tier: str | None) -> pl.DataFrame:
    """CSAT per business-time-zone month of the year, for a tier or all: the CSAT key
    result's month rows (month, csat share, n responses, target share, status)."""
    tier = filter_value(tier)

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select period as month, actual / 100.0 as csat, denominator as n, "
            "target / 100.0 as target, status from main.fct_okr_progress "
            "where kr_id = 'csat' and period_type = 'month' and fiscal_year = ? "
            "and dim_tier = ? and dim_segment = 'all' and dim_region = 'all' "
            "and actual is not null order by period",
            [year, tier or "all"],
        )

    return _run(settings, "csat_monthly", (year, tier), "all", q)


def retention(settings: Any, viewer: Any, grain: str = "quarter") -> pl.DataFrame:
    """Retention and net expansion per period with components (fct_retention, all accounts).

    Columns: period, is_complete, starting_accounts, retained_accounts, churned_accounts,
    logo_retention, net_expansion, expansion, contraction, churn (shares).
    """

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select period, is_complete, starting_accounts, retained_accounts, "
            "churned_accounts, logo_retention_pct / 100.0 as logo_retention, "
            "net_expansion_pct / 100.0 as net_expansion, expansion_pct / 100.0 as expansion, "
            "contraction_pct / 100.0 as contraction, churn_pct / 100.0 as churn "
            "from main.fct_retention where period_type = ? and dim_tier = 'all' "
            "and dim_segment = 'all' and dim_region = 'all' order by period_start",
            [grain],
        )

    return _run(settings, "retention", (grain,), "all", q)


def support_impact(settings: Any, viewer: Any) -> pl.DataFrame:
    """Retention with vs without an SLA breach, like for like (fct_support_impact rows):
    one row per support tier x ticket-volume band, then the pooled row (tier and band
    'all': the raw comparison and the weighted like-for-like difference).

    Columns: tier, band, breached_accounts, breached_retained (share), clean_accounts,
    clean_retained (share), raw_diff and diff (points), compared (accounts in the
    like-for-like comparison), low_n. The page shows these as they are.
    """

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select support_tier as tier, volume_band as band, breached_accounts, "
            "breached_retained_pct / 100.0 as breached_retained, clean_accounts, "
            "clean_retained_pct / 100.0 as clean_retained, raw_diff_pts as raw_diff, "
            "like_for_like_diff_pts as diff, compared_accounts as compared, "
            "is_low_n as low_n from main.fct_support_impact "
            "order by support_tier = 'all', support_tier, "
            "case volume_band when '1-4' then 1 when '5-19' then 2 when '20-49' then 3 "
            "when '50+' then 4 else 5 end",
        )

    return _run(settings, "support_impact", (), "all", q)
