"""Key results: rows of fct_okr_progress, read as they are (the OKR page and every KR tile).

fct_okr_progress is a cube: one row per KR, period and combination of support tier,
segment and region ('all' where a dimension is not broken down). Any combination of the
global filters therefore reads its own row; value, target and status are the mart's,
never recomputed here. Every page that shows a key result reads it through
`key_result`, which returns the same row as `okr_progress`, so the OKR page and the
explaining page cannot disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl

from dashboard.data.connection import Session, _df, _run, _tz, filter_value
from dashboard.data.meta import build_info

KR_COLUMNS = (
    "kr_id",
    "objective_id",
    "objective",
    "key_result",
    "period_type",
    "period",
    "period_start",
    "period_end",
    "is_period_complete",
    "is_current_period",
    "actual",
    "target",
    "unit",
    "direction",
    "status",
    "projection",
    "projected_status",
    "is_low_n",
    "numerator",
    "denominator",
    "measure",
    "projection_method",
)


def current_quarter(settings: Any, viewer: Any) -> tuple[int, int]:
    """(year, quarter) of the warehouse's as-of moment in the business time zone: the
    period every page opens on, so their default tiles read the same KR rows."""
    as_of = build_info(settings, viewer).get("as_of") or datetime.now(UTC).replace(tzinfo=None)
    local = as_of.replace(tzinfo=UTC).astimezone(_tz(settings))
    return local.year, (local.month - 1) // 3 + 1


def latest_complete_quarter(settings: Any, viewer: Any) -> tuple[int, int]:
    """(year, quarter) of the last quarter fct_okr_progress marks complete: the default
    period of the explaining pages' tiles (the period rule: a headline tile shows a
    complete period; the quarter in progress is the OKR page's subject). The as-of
    quarter when no quarter is complete yet."""

    def q(sess: Session) -> str | None:
        rows = sess.con.execute(
            "select max(period) from main.fct_okr_progress "
            "where period_type = 'quarter' and is_period_complete"
        ).fetchall()
        return rows[0][0] if rows else None

    period = _run(settings, "latest_complete_quarter", (), "all", q)
    if not period:
        return current_quarter(settings, viewer)
    return int(period[:4]), int(period[-1])


def resolve_quarter(
    settings: Any, viewer: Any, year: object, quarter: object
) -> tuple[int, int | None]:
    """The period a page's `year` / `quarter` query parameters ask for: that quarter,
    the whole year (no quarter, or 'all'), or, without parameters, the latest complete
    quarter."""
    default_year, default_quarter = latest_complete_quarter(settings, viewer)
    if year in (None, "") and quarter in (None, ""):
        return default_year, default_quarter
    y = _int(year) or default_year
    q = _int(quarter)
    return y, q if q in (1, 2, 3, 4) else None


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


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

    Each KR is its mart row for (tier, segment, region); a KR that does not break down
    by a chosen dimension has only its total, which is shown flagged `unfiltered`.

    Returns {"period": str, "krs": [ {<KR_COLUMNS>, unfiltered, monthly: [{period,
    actual, target, status}]} ]}. Percent KRs are in percent (0-100), as in the mart.
    """
    tier, region, segment = filter_value(tier), filter_value(region), filter_value(segment)
    period = f"{year}-Q{quarter}" if quarter else str(year)
    dims = dims_key(tier, segment, region)
    chosen = any(v != "all" for v in dims)

    def q(sess: Session) -> dict[str, Any]:
        # The trend runs from January to the end of the chosen quarter.
        months = [f"{year}-{m:02d}" for m in range(1, 13)]
        if quarter:
            months = months[: 3 * quarter]
        rows = _df(
            sess,
            f"select {', '.join(KR_COLUMNS)}, "
            "(dim_tier, dim_segment, dim_region) = (?, ?, ?) as exact "
            "from main.fct_okr_progress where period in (select unnest(?)) "
            "and ((dim_tier, dim_segment, dim_region) = (?, ?, ?) "
            "or (dim_tier = 'all' and dim_segment = 'all' and dim_region = 'all'))",
            [*dims, [period, *months], *dims],
        )
        # The exact breakdown row when the KR has one, else its total (flagged).
        rows = rows.sort("exact", descending=True).unique(["kr_id", "period"], keep="first")
        current = rows.filter(pl.col("period") == period).sort(["objective_id", "kr_id"])
        krs = []
        for row in current.iter_rows(named=True):
            exact = row.pop("exact")
            series = (
                rows.filter(
                    (pl.col("kr_id") == row["kr_id"])
                    & (pl.col("period") != period)
                    & (pl.col("exact") == exact)
                )
                .sort("period")
                .select("period", "actual", "target", "status")
            )
            row["unfiltered"] = chosen and not exact
            row["monthly"] = series.to_dicts()
            krs.append(row)
        return {"krs": krs, "period": period}

    return _run(settings, "okr_progress", (year, quarter, *dims), "all", q)


def key_result(
    settings: Any,
    viewer: Any,
    kr_id: str,
    year: int,
    quarter: int | None,
    tier: str | None = None,
    region: str | None = None,
    segment: str | None = None,
) -> dict[str, Any] | None:
    """One KR exactly as the OKR page shows it for this period and these filters (None
    when the year has no such KR): the tile every other page shows for it."""
    krs = okr_progress(settings, viewer, year, quarter, tier, region, segment)["krs"]
    return next((kr for kr in krs if kr["kr_id"] == kr_id), None)


def dims_key(tier: str | None, segment: str | None, region: str | None) -> tuple[str, str, str]:
    """(dim_tier, dim_segment, dim_region) of a filter choice: 'all' where unfiltered."""
    return (tier or "all", segment or "all", region or "all")
