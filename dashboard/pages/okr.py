"""OKR overview (`/`), for the VP: every key result against its period target."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import dash
from dash import dcc, html

from dashboard import data, figures, i18n
from dashboard import formatting as fmt
from dashboard.components import ctx, empty_state, filter_bar, guard, shell, status_pill
from dashboard.components.filters import okr_filter_specs, query_string
from dashboard.components.kr_links import ADDITIVE_MEASURES, N_IS_MONEY, explain_href
from dashboard.components.widgets import definition_icon
from dashboard.i18n import t

dash.register_page(__name__, path="/", name="OKR", title="Support Pulse · OKR", order=0)

OBJECTIVE_ORDER = {"O1": 1, "O2": 2, "O3": 3, "O4": 4, "KPI": 5}
DEFINITION_OF = {
    "csat": "csat",
    "nps": "nps",
    "first_response_sla": "first_response",
    "resolution_sla": "resolution",
    "sla_compliance": "sla_compliance",
    "fcr": "fcr",
    "escalation_rate": "escalation_rate",
    "cost_per_ticket": "cost_per_ticket",
    "automation_share": "automation_share",
    "attributed_revenue": "attributed_revenue",
    "customer_retention": "retention",
    "net_expansion": "net_expansion",
    "kb_articles": "kb_articles",
}


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def breakdown_href(
    kr_id: str,
    year: int,
    quarter: int | None,
    tier: str | None,
    region: str | None,
    segment: str | None,
) -> str:
    """The KR's breakdown page for the same period and filters (what the card drills to)."""
    return f"/okr/kr/{quote(kr_id, safe='')}" + query_string(
        {
            "year": year,
            "quarter": quarter or "all",
            "tier": data.filter_value(tier),
            "region": data.filter_value(region),
            "segment": data.filter_value(segment),
        }
    )


def progress_bar(
    actual: float | None, target: float | None, direction: str | None, elapsed: float, lang: str
) -> html.Div:
    """Value towards target (fill) with the share of the period elapsed as a marker."""
    fill = 0.0
    if actual is not None and target:
        ratio = float(actual) / float(target)
        if direction == "lower":
            ratio = float(target) / float(actual) if actual else 1.0
        fill = max(0.0, min(1.0, ratio))
    return html.Div(
        [
            html.Div(className="progress-fill", style={"width": f"{fill * 100:.1f}%"}),
            html.Div(
                className="progress-elapsed",
                style={"left": f"{elapsed * 100:.1f}%"},
                title=t("okr.elapsed", lang, pct=fmt.percent(elapsed, lang, 0)),
            ),
        ],
        className="progress",
    )


def kr_card(
    kr: dict[str, Any],
    lang: str,
    elapsed: float,
    href: str | None,
    descriptions: dict[str, str],
    *,
    full_year: bool = False,
    sliced: bool = False,
    drill: str | None = None,
) -> html.Div:
    """One key result. Its status gives way to "too few responses" when the mart flags
    a low n, and to "no target for this slice" when a filtered additive KR would be read
    against the company-wide target; n is shown on every KR. `drill` (the KR's breakdown)
    is the KR name's link, stretched over the whole card; `href` (the page explaining the
    KR) stays a link of its own on top of it."""
    unit = kr.get("unit")
    kr = dict(kr)
    if sliced and not kr.get("unfiltered") and kr.get("measure") in ADDITIVE_MEASURES:
        kr["target"], kr["status"], kr["projected_status"] = None, "no_target", None
    elif kr.get("is_low_n"):
        kr["status"] = "low_n"
    name = t(f"kr.{kr['kr_id']}", lang) if f"kr.{kr['kr_id']}" in i18n.TR else kr["key_result"]
    monthly = kr.get("monthly") or []
    trend = " · ".join(f"{m['period']}: {fmt.kr_value(m['actual'], unit, lang)}" for m in monthly)
    spark = (
        html.Img(
            src="data:image/svg+xml;charset=utf-8,"
            + quote(
                figures.sparkline_svg(
                    [m["actual"] for m in monthly], [m["target"] for m in monthly]
                )
            ),
            alt=trend,
            title=trend,
            className="sparkline",
        )
        if len([m for m in monthly if m["actual"] is not None]) > 1
        else html.Div(t("status.no_data", lang) if not monthly else "", className="sparkline-empty")
    )
    meta: list[Any] = [
        html.Span(
            [t("okr.target", lang), ": ", html.B(fmt.kr_value(kr.get("target"), unit, lang))]
            if kr["status"] != "no_target"
            else t("okr.no_slice_target", lang),
            className="kr-target",
        ),
    ]
    if kr.get("direction") == "lower":
        meta.append(html.Span(f"({t('okr.lower_better', lang)})", className="muted"))
    if kr.get("denominator") is not None and kr["kr_id"] not in N_IS_MONEY:
        meta.append(
            html.Span(t("okr.n", lang, n=fmt.number(kr["denominator"], lang)), className="kr-n")
        )
    projection = kr.get("projection")
    # A projection that is the current value restated (a rate's "current_value" method)
    # projects nothing: it is left out and the card says why.
    restated = kr.get("projection_method") == "current_value" or (
        projection is not None and projection == kr.get("actual")
    )
    if projection is not None and not restated:
        label = t("okr.projection_year" if full_year else "okr.projection", lang)
        meta.append(
            html.Span(
                [label, ": ", html.B(fmt.kr_value(projection, unit, lang))], className="kr-proj"
            )
        )
    elif projection is not None:
        meta.append(html.Span(t("okr.no_projection", lang), className="muted kr-proj"))
    if kr.get("unfiltered"):
        meta.append(html.Span("◌ " + t("filter.note_unfiltered", lang), className="muted"))
    definition = i18n.definition(DEFINITION_OF.get(kr["kr_id"], ""), lang, descriptions)
    label = (
        dcc.Link(name, href=drill, className="kr-drill", id=f"kr-drill-{kr['kr_id']}")
        if drill
        else name
    )
    title = html.Div([label, " ", definition_icon(definition)], className="kr-name")
    body = [
        html.Div([title, status_pill(kr.get("status"), lang)], className="kr-head"),
        html.Div(
            [html.Div(fmt.kr_value(kr.get("actual"), unit, lang), className="kr-value"), spark],
            className="kr-main",
        ),
        progress_bar(kr.get("actual"), kr.get("target"), kr.get("direction"), elapsed, lang),
        html.Div(meta, className="kr-meta"),
    ]
    if href:
        body.append(
            dcc.Link(
                t("okr.explain", lang) + " →",
                href=href,
                className="kr-link",
                id=f"kr-link-{kr['kr_id']}",
            )
        )
    return html.Div(
        body, className=f"kr-card kr-{kr.get('status') or 'no_data'}", id=f"kr-{kr['kr_id']}"
    )


def layout(
    year: str | None = None,
    quarter: str | None = None,
    tier: str | None = None,
    region: str | None = None,
    segment: str | None = None,
    lang: str | None = None,
    **_: Any,
) -> html.Div:
    c = ctx(lang)
    info_holder: dict[str, Any] = {}

    def build() -> Any:
        info = data.build_info(c.settings, c.viewer)
        info_holder["info"] = info
        as_of = info.get("as_of") or datetime.now(UTC).replace(tzinfo=None)
        local = as_of.replace(tzinfo=UTC).astimezone(ZoneInfo(c.tz))
        y = _int(year, local.year) or local.year
        q_raw = quarter if quarter is not None else str((local.month - 1) // 3 + 1)
        q = None if q_raw in ("all", "0", "") else _int(q_raw, (local.month - 1) // 3 + 1)
        options = data.filter_options(c.settings, c.viewer)
        years = sorted(set(options["years"]) | {str(y)})
        specs = okr_filter_specs(options, years, c.lang)
        values = {
            "year": str(y),
            "quarter": str(q) if q else "all",
            "tier": tier or "all",
            "region": region or "all",
            "segment": segment or "all",
        }
        bar = filter_bar(values, specs)
        result = data.okr_progress(c.settings, c.viewer, y, q, tier, region, segment)
        krs = result["krs"]
        if not krs:
            return html.Div([bar, empty_state(t("okr.no_krs", c.lang), kind="filter")])
        elapsed = data.quarter_elapsed(info.get("as_of"), y, q, ZoneInfo(c.tz))
        descriptions = data.metric_descriptions(c.settings)
        counts = {
            s: sum(1 for k in krs if k.get("status") == s)
            for s in ("on_track", "at_risk", "off_track")
        }
        summary = html.Div(
            [
                html.Span(
                    t(
                        "okr.summary",
                        c.lang,
                        on=counts["on_track"],
                        risk=counts["at_risk"],
                        off=counts["off_track"],
                    ),
                    id="okr-summary",
                ),
                html.Span(
                    t(
                        "okr.elapsed_year" if q is None else "okr.elapsed",
                        c.lang,
                        pct=fmt.percent(elapsed, c.lang, 0),
                    ),
                    className="muted elapsed-note",
                ),
            ],
            className="okr-summary",
        )
        groups: dict[str, list[dict[str, Any]]] = {}
        for kr in krs:
            groups.setdefault(kr.get("objective_id") or "?", []).append(kr)
        sections = []
        for oid in sorted(groups, key=lambda o: OBJECTIVE_ORDER.get(o, 9)):
            items = groups[oid]
            title = t(f"obj.{oid}", c.lang) if f"obj.{oid}" in i18n.TR else items[0]["objective"]
            sections.append(
                html.Section(
                    [
                        html.H2(title, className="objective-title"),
                        html.Div(
                            [
                                kr_card(
                                    kr,
                                    c.lang,
                                    elapsed,
                                    explain_href(kr["kr_id"], y, q, tier, region, segment),
                                    descriptions,
                                    full_year=q is None,
                                    sliced=any(
                                        data.filter_value(v) for v in (tier, region, segment)
                                    ),
                                    drill=breakdown_href(kr["kr_id"], y, q, tier, region, segment),
                                )
                                for kr in items
                            ],
                            className="kr-grid",
                        ),
                    ],
                    className="objective",
                )
            )
        return html.Div([bar, summary, *sections], id="okr-content")

    content = guard(c, build)
    return shell("okr", c.lang, info_holder.get("info"), c.tz, t("okr.title", c.lang), content)
