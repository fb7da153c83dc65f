"""One key result broken down by tier, segment, region, month and team (the KR breakdown
page, `/okr/kr/<kr_id>`): rows of fct_okr_kr_breakdown, read as they are.

The mart holds every breakdown for every slice of the global filters, so a filter
choice reads its own rows; value, target and status are the mart's. The headline is
`key_result`, the very row the OKR page's card shows, so the card and the page it opens
cannot disagree. A KR that does not break down by a chosen filter has only its
unfiltered rows: they are returned flagged `unfiltered`, as the OKR page flags its card.
"""

from __future__ import annotations

from typing import Any

from dashboard.data.connection import Session, _df, _run, filter_value
from dashboard.data.okr import dims_key, key_result

# The order the page shows the breakdowns in.
BREAKDOWNS = ("tier", "segment", "region", "team", "month")
ROW_COLUMNS = (
    "breakdown",
    "breakdown_value",
    "actual",
    "target",
    "status",
    "numerator",
    "denominator",
    "is_low_n",
)


def kr_known(settings: Any, kr_id: str) -> bool:
    """Whether any fiscal year has this key result (the page's HTTP status)."""

    def q(sess: Session) -> bool:
        row = sess.con.execute(
            "select count(*) from main.fct_okr_progress where kr_id = ?", [kr_id]
        ).fetchone()
        return bool(row and row[0])

    return _run(settings, "kr_known", (kr_id,), "all", q)


def kr_breakdown(
    settings: Any,
    viewer: Any,
    kr_id: str,
    year: int,
    quarter: int | None,
    tier: str | None = None,
    region: str | None = None,
    segment: str | None = None,
) -> dict[str, Any] | None:
    """The KR's card row and its breakdown rows for the period and filters.

    Returns None when the year has no such KR, else {"kr": <key_result row>, "period":
    'YYYY-Qn' | 'YYYY', "unfiltered": bool, "rows": {breakdown: [{<ROW_COLUMNS>}]}} with
    the rows in the mart's order of values (months in calendar order, the rest by name).
    """
    kr = key_result(settings, viewer, kr_id, year, quarter, tier, region, segment)
    if kr is None:
        return None
    tier, region, segment = filter_value(tier), filter_value(region), filter_value(segment)
    dims = dims_key(tier, segment, region)
    period = f"{year}-Q{quarter}" if quarter else str(year)
    # The card fell back to the KR's total: so do its breakdowns.
    slice_dims = ("all", "all", "all") if kr.get("unfiltered") else dims

    def q(sess: Session) -> dict[str, list[dict[str, Any]]]:
        rows = _df(
            sess,
            f"select {', '.join(ROW_COLUMNS)} from main.fct_okr_kr_breakdown "
            "where kr_id = ? and fiscal_year = ? and period = ? "
            "and (slice_tier, slice_segment, slice_region) = (?, ?, ?) "
            "order by breakdown, breakdown_value",
            [kr_id, year, period, *slice_dims],
        )
        grouped: dict[str, list[dict[str, Any]]] = {b: [] for b in BREAKDOWNS}
        for row in rows.iter_rows(named=True):
            grouped[row["breakdown"]].append(row)
        return grouped

    grouped = _run(settings, "kr_breakdown", (kr_id, year, quarter, *slice_dims), "all", q)
    return {"kr": kr, "period": period, "unfiltered": bool(kr.get("unfiltered")), "rows": grouped}
