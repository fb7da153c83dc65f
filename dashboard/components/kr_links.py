"""Where a key result leads: the page that explains it, with the OKR view's period and
filters carried along (shared by the OKR page's cards and the KR breakdown page)."""

from __future__ import annotations

from urllib.parse import urlencode

from dashboard import data

# Measures that add up over a slice (a premium-only revenue is a part of the company's):
# the company-wide target says nothing about one slice of them.
ADDITIVE_MEASURES = ("ytd_sum", "cumulative_count", "sum")
# KRs whose denominator is an amount of money (opening MRR), not a count of anything.
N_IS_MONEY = ("net_expansion",)


def explain_href(
    kr_id: str,
    year: int,
    quarter: int | None,
    tier: str | None,
    region: str | None = None,
    segment: str | None = None,
) -> str | None:
    """The page that explains a KR, carrying the period and every filter that page
    takes: SLA the dates and tier, customers the period and tier, revenue the period,
    teams the quarter (its periods are ISO-week quarters, labelled as the KR's).
    Region and segment ride along as query parameters where the page keeps them."""
    tier, region, segment = (data.filter_value(v) for v in (tier, region, segment))
    slice_ = {k: v for k, v in (("region", region), ("segment", segment)) if v}
    start, end = data.quarter_bounds(year, quarter)
    period = {"start": start.isoformat(), "end": (end.fromordinal(end.toordinal() - 1)).isoformat()}
    if tier:
        period["tier"] = tier
    if kr_id in ("first_response_sla", "resolution_sla", "sla_compliance"):
        metric = {"first_response_sla": "first_response", "resolution_sla": "resolution"}.get(kr_id)
        if metric:
            period["metric"] = metric
        return "/sla?" + urlencode({**period, **slice_})
    same_period = {"year": year, "quarter": quarter or "all"}
    if kr_id in ("csat", "nps", "customer_retention", "net_expansion"):
        return "/customers?" + urlencode(
            {**same_period, **({"tier": tier} if tier else {}), **slice_}
        )
    if kr_id in ("cost_per_ticket", "automation_share", "attributed_revenue"):
        return "/revenue?" + urlencode({**same_period, **slice_})
    if kr_id in ("fcr", "escalation_rate", "kb_articles"):
        return "/teams" + (f"?period={year}-Q{quarter}" if quarter else "")
    return None
