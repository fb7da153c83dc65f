"""One key result broken down (`/okr/kr/<kr_id>`), what a KR card on the OKR page opens:
the KR by support tier, segment, region, team and month against target, for the OKR
page's period and filters (kept in the URL: year, quarter, tier, region, segment).

Rows are fct_okr_kr_breakdown's, shown as they are; the headline is the card's own row
(data.key_result). Survey rows from too few responses say so instead of a status, as on
the OKR page. An unknown KR id is a 404 (page_status) and draws a "not found" state.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashboard import data, i18n
from dashboard import formatting as fmt
from dashboard.components import card, ctx, empty_state, filter_bar, guard, shell, status_pill
from dashboard.components.filters import okr_filter_specs, query_string
from dashboard.components.kr_links import ADDITIVE_MEASURES, N_IS_MONEY, explain_href
from dashboard.i18n import t

dash.register_page(
    __name__,
    path_template="/okr/kr/<kr_id>",
    title="Support Pulse · Key result",
    name="Key result",
)

# How a breakdown's values read: tiers, segments and regions are translated enums, months
# are periods, team names are data (shown as they are).
VALUE_KIND = {"tier": "tier", "segment": "segment", "region": "region"}


def _value_label(breakdown: str, value: str, lang: str) -> str:
    if breakdown == "month":
        return fmt.period(value, lang)
    kind = VALUE_KIND.get(breakdown)
    return i18n.label(kind, value, lang) if kind else value


def _status_cell(row: dict[str, Any], lang: str) -> Any:
    """The row's status; "too few responses" instead of on/off track for a low n, and
    "no target" for a value the mart leaves without one (a part of an additive KR)."""
    if row.get("is_low_n"):
        return status_pill("low_n", lang)
    if row.get("actual") is not None and row.get("target") is None:
        return status_pill("no_target", lang)
    return status_pill(row.get("status"), lang)


def breakdown_table(
    breakdown: str, rows: list[dict[str, Any]], unit: str | None, chosen: str | None, lang: str
) -> html.Table:
    """One breakdown as a table: value, target, status and n per row; the row of the
    filtered slice (e.g. premium when tier=premium) is marked."""
    show_n = unit is not None
    head = [
        html.Th(t(f"krb.by.{breakdown}", lang), scope="col"),
        html.Th(t("okr.value", lang), scope="col", className="num"),
        html.Th(t("krb.target", lang), scope="col", className="num"),
        html.Th(t("krb.status", lang), scope="col"),
    ]
    if show_n:
        head.append(html.Th("n", scope="col", className="num"))
    body = []
    for row in rows:
        value = row["breakdown_value"]
        cells = [
            html.Td(_value_label(breakdown, value, lang)),
            html.Td(fmt.kr_value(row.get("actual"), unit, lang), className="num"),
            html.Td(fmt.kr_value(row.get("target"), unit, lang), className="num"),
            html.Td(_status_cell(row, lang)),
        ]
        if show_n:
            n = row.get("denominator")
            cells.append(html.Td(fmt.DASH if n is None else fmt.number(n, lang), className="num"))
        classes = [
            "is-current" if chosen and value == chosen else "",
            "is-low-n" if row.get("is_low_n") else "",
        ]
        body.append(
            html.Tr(
                cells, className=" ".join(c for c in classes if c) or None, **{"data-value": value}
            )
        )
    return html.Table(
        [html.Thead(html.Tr(head)), html.Tbody(body)],
        className="kr-table",
        id=f"krb-{breakdown}",
    )


def layout(
    kr_id: str | None = None,
    year: str | None = None,
    quarter: str | None = None,
    tier: str | None = None,
    region: str | None = None,
    segment: str | None = None,
    lang: str | None = None,
    **_: Any,
) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {"title": t("krb.title", c.lang)}
    kr_key = str(kr_id or "")

    def build() -> Any:
        holder["info"] = data.build_info(c.settings, c.viewer)
        tier_, region_, segment_ = (data.filter_value(v) for v in (tier, region, segment))
        if (year, quarter) == (None, None):
            y, q = data.current_quarter(c.settings, c.viewer)  # the OKR page's default
        else:
            y, q = data.resolve_quarter(c.settings, c.viewer, year, quarter)
        filters = {
            "year": y,
            "quarter": q or "all",
            "tier": tier_,
            "region": region_,
            "segment": segment_,
        }
        back = dcc.Link(
            "← " + t("krb.back", c.lang), href="/" + query_string(filters), id="krb-back"
        )
        result = data.kr_breakdown(c.settings, c.viewer, kr_key, y, q, tier_, region_, segment_)
        if result is None:
            if not data.kr_known(c.settings, kr_key):
                return html.Div(
                    [back, empty_state(t("krb.not_found", c.lang, id=kr_key))], id="krb-content"
                )
            return html.Div(
                [back, empty_state(t("krb.not_this_year", c.lang, year=y), kind="filter")],
                id="krb-content",
            )
        kr = result["kr"]
        name = t(f"kr.{kr_key}", c.lang) if f"kr.{kr_key}" in i18n.TR else kr["key_result"]
        holder["title"] = name
        options = data.filter_options(c.settings, c.viewer)
        years = sorted(set(options["years"]) | {str(y)})
        bar = filter_bar(
            {k: str(v or "all") for k, v in filters.items()},
            okr_filter_specs(options, years, c.lang),
        )
        unit = kr.get("unit")
        sliced = any((tier_, region_, segment_))
        status = kr.get("status")
        if sliced and not kr.get("unfiltered") and kr.get("measure") in ADDITIVE_MEASURES:
            status = "no_target"
        elif kr.get("is_low_n"):
            status = "low_n"
        headline = [
            html.Span(fmt.period(result["period"], c.lang), className="muted"),
            html.Span(fmt.kr_value(kr.get("actual"), unit, c.lang), className="kr-value"),
            html.Span(
                [
                    t("okr.target", c.lang),
                    ": ",
                    html.B(fmt.kr_value(kr.get("target"), unit, c.lang)),
                ]
                if status != "no_target"
                else t("okr.no_slice_target", c.lang)
            ),
            status_pill(status, c.lang),
        ]
        if kr.get("denominator") is not None and kr_key not in N_IS_MONEY:
            headline.append(
                html.Span(
                    t("okr.n", c.lang, n=fmt.number(kr["denominator"], c.lang)), className="kr-n"
                )
            )
        links: list[Any] = [back]
        explain = explain_href(kr_key, y, q, tier_, region_, segment_)
        if explain:
            links.append(dcc.Link(t("krb.explain", c.lang) + " →", href=explain, id="krb-explain"))
        notes: list[Any] = []
        if result["unfiltered"]:
            notes.append(html.P("◌ " + t("krb.unfiltered", c.lang), className="muted"))
        chosen = {"tier": tier_, "segment": segment_, "region": region_}
        sections = []
        for breakdown in data.KR_BREAKDOWNS:
            rows = result["rows"][breakdown]
            if rows:
                content: Any = breakdown_table(
                    breakdown,
                    rows,
                    unit if kr_key not in N_IS_MONEY else None,
                    chosen.get(breakdown),
                    c.lang,
                )
            else:
                content = html.P(t(f"krb.none.{breakdown}", c.lang), className="muted")
            extra = t("krb.team_note", c.lang) if breakdown == "team" and rows else ""
            sections.append(
                card(
                    t(f"krb.by.{breakdown}", c.lang),
                    [content, html.P(extra, className="muted")] if extra else content,
                    class_name=f"krb-{breakdown}",
                )
            )
        return html.Div(
            [
                html.Div(links, className="krb-links"),
                bar,
                html.Div(headline, className="kr-meta krb-headline", id="krb-headline"),
                *notes,
                html.Div(sections, className="kr-breakdowns"),
            ],
            id="krb-content",
        )

    content = guard(c, build)
    return shell("okr", c.lang, holder.get("info"), c.tz, holder["title"], content)
