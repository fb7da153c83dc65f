"""Customers (`/customers`): NPS by wave and tier / segment / region with the response
count and a low-n flag, CSAT trend, retention and net expansion with their components,
and support impact (retention of accounts with SLA breaches against those without, within
the same support tier and ticket-volume band)."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard import data, figures, i18n
from dashboard import formatting as fmt
from dashboard.components import (
    card,
    chart_card,
    ctx,
    define,
    empty_state,
    filter_bar,
    grid,
    guard,
    kr_tile,
    shell,
)
from dashboard.components.filters import period_specs
from dashboard.i18n import t

dash.register_page(
    __name__, path="/customers", title="Support Pulse · Customers", name="Customers", order=3
)

SPLITS = ("support_tier", "segment", "region")


def nps_rows(df: Any, split: str, lang: str) -> list[dict[str, Any]]:
    """Table rows: wave, group, n, NPS and a words-and-icon low-n flag (pure)."""
    rows = []
    for r in df.iter_rows(named=True):
        grp = i18n.label("tier", r["grp"], lang) if split == "support_tier" else r["grp"]
        rows.append(
            {
                "wave": r["wave"],
                "group": grp,
                "n": int(r["n"]),
                "nps": None if r["nps"] is None else round(float(r["nps"]), 1),
                "flag": ("⚠ " + t("cust.low_n", lang)) if r["low_n"] else "",
            }
        )
    return rows


def points(value: float | None, lang: str) -> str:
    """A signed difference in percentage points: `+4.3 pts` / `+4,3 п. п.` (pure)."""
    if value is None:
        return fmt.DASH
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return t("cust.pts", lang, v=sign + fmt.number(abs(float(value)), lang, 1))


def impact_rows(df: Any, lang: str) -> list[dict[str, Any]]:
    """Grid rows of fct_support_impact: one per tier x ticket band, the pooled row last
    as the raw comparison over all accounts, each with a words-and-icon low-n flag (pure)."""
    rows = []
    for r in df.iter_rows(named=True):
        pooled = r["tier"] == "all"
        rows.append(
            {
                "group": t("cust.all_raw", lang)
                if pooled
                else f"{i18n.label('tier', r['tier'], lang)} · {r['band'].replace('-', '–')}",
                "b_accounts": int(r["breached_accounts"]),
                "b_retained": fmt.percent(r["breached_retained"], lang),
                "c_accounts": int(r["clean_accounts"]),
                "c_retained": fmt.percent(r["clean_retained"], lang),
                "diff": points(r["raw_diff"], lang),
                "flag": ("⚠ " + t("cust.low_accounts", lang)) if r["low_n"] and not pooled else "",
            }
        )
    return rows


def impact_summary(df: Any, lang: str) -> str:
    """The pooled like-for-like difference beside the raw one, in a sentence (pure)."""
    pooled = df.filter(df["tier"] == "all")
    if pooled.height == 0 or pooled["diff"][0] is None:
        return t("cust.impact_none", lang)
    r = pooled.row(0, named=True)
    sentence = t(
        "cust.impact_pooled",
        lang,
        diff=points(r["diff"], lang),
        n=fmt.number(r["compared"], lang),
        total=fmt.number(r["breached_accounts"] + r["clean_accounts"], lang),
        raw=points(r["raw_diff"], lang),
    )
    return sentence + (" ⚠ " + t("cust.low_accounts", lang) if r["low_n"] else "")


def layout(
    split: str | None = None,
    tier: str | None = None,
    year: str | None = None,
    quarter: str | None = None,
    lang: str | None = None,
    **_: Any,
) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {}
    split_ = split if split in SPLITS else "support_tier"
    tier_ = data.filter_value(tier)

    def build() -> Any:
        holder["info"] = data.build_info(c.settings, c.viewer)
        # The tiles are the key results of the chosen period (by default the latest
        # complete quarter) for the chosen tier: the OKR page's rows for that period.
        y, q = data.resolve_quarter(c.settings, c.viewer, year, quarter)
        this_year = data.current_quarter(c.settings, c.viewer)[0]
        bar = filter_bar(
            {
                "split": split_,
                "tier": tier_ or "all",
                "year": str(y),
                "quarter": str(q) if q else "all",
            },
            [
                *period_specs([this_year - 1, this_year, y], c.lang),
                (
                    "split",
                    t("cust.nps_by", c.lang),
                    [
                        (s, t(f"cust.split_{'tier' if s == 'support_tier' else s}", c.lang))
                        for s in SPLITS
                    ],
                ),
                (
                    "tier",
                    t("filter.tier", c.lang),
                    [("all", t("all", c.lang))]
                    + [(v, i18n.label("tier", v, c.lang)) for v in data.TIERS],
                ),
            ],
        )
        nps = data.nps_by_wave(c.settings, c.viewer, split_)
        if tier_ and split_ == "support_tier":
            nps = nps.filter(nps["grp"] == tier_)
        csat = data.csat_monthly(c.settings, c.viewer, y, tier_)
        ret = data.retention(c.settings, c.viewer, "quarter")
        impact = data.support_impact(c.settings, c.viewer)
        if nps.height == 0 and csat.height == 0 and ret.height == 0:
            return html.Div([bar, empty_state(t("empty.filter", c.lang), kind="filter")])

        def kr(kr_id: str) -> dict[str, Any] | None:
            return data.key_result(c.settings, c.viewer, kr_id, y, q, tier_)

        tiles = [
            kr_tile(
                kr("customer_retention"),
                t("m.retention", c.lang),
                c.lang,
                definition=define(c, "retention"),
                tile_id="kpi-retention",
            ),
            kr_tile(
                kr("net_expansion"),
                t("m.net_expansion", c.lang),
                c.lang,
                definition=define(c, "net_expansion"),
                tile_id="kpi-nrr",
            ),
            kr_tile(kr("csat"), "CSAT", c.lang, definition=define(c, "csat"), tile_id="kpi-csat"),
            kr_tile(kr("nps"), "NPS", c.lang, definition=define(c, "nps"), tile_id="kpi-nps"),
        ]
        nps_cols = [
            {"field": "wave", "headerName": t("cust.wave", c.lang)},
            {"field": "group", "headerName": t("cust.group", c.lang)},
            {"field": "n", "headerName": "n", "type": "numericColumn"},
            {
                "field": "nps",
                "headerName": "NPS",
                "type": "numericColumn",
                "valueFormatter": {"function": f"pulseFmt(params.value, 'number', '{c.lang}')"},
            },
            {"field": "flag", "headerName": t("cust.sample_note", c.lang), "cellClass": "warn"},
        ]
        accounts_h, retained_h = t("cust.accounts", c.lang), t("m.retention", c.lang)
        impact_cols = [
            {"field": "group", "headerName": t("cust.stratum", c.lang), "minWidth": 250},
            {
                "headerName": t("cust.with_breach", c.lang),
                "children": [
                    {"field": "b_accounts", "headerName": accounts_h},
                    {"field": "b_retained", "headerName": retained_h},
                ],
            },
            {
                "headerName": t("cust.without_breach", c.lang),
                "children": [
                    {"field": "c_accounts", "headerName": accounts_h},
                    {"field": "c_retained", "headerName": retained_h},
                ],
            },
            {"field": "diff", "headerName": t("cust.diff", c.lang)},
            # Plain text: the .warn amber (#b7791f) is 3.4:1 on white, under axe's 4.5:1.
            {"field": "flag", "headerName": t("cust.sample_note", c.lang), "minWidth": 200},
        ]
        return html.Div(
            [
                bar,
                html.Div(tiles, className="kpi-row"),
                html.Div(
                    [
                        chart_card(
                            t("cust.nps", c.lang),
                            "nps-chart",
                            figures.nps_chart(nps, c.lang),
                            definition=define(c, "nps"),
                            below=[
                                grid(
                                    "nps-grid", nps_rows(nps, split_, c.lang), nps_cols, height=260
                                )
                            ],
                        ),
                        chart_card(
                            t("cust.csat_trend", c.lang),
                            "csat-chart",
                            figures.csat_trend(csat, c.lang),
                            definition=define(c, "csat"),
                        ),
                    ],
                    className="cols-2",
                ),
                chart_card(
                    t("cust.retention", c.lang),
                    "retention-chart",
                    figures.retention_chart(ret, c.lang),
                    definition=define(c, "net_expansion"),
                ),
                # Full width: the strata grid has a column per side and measure.
                card(
                    t("cust.impact", c.lang),
                    [
                        html.P(t("cust.impact_hint", c.lang), className="hint"),
                        html.P(impact_summary(impact, c.lang), id="impact-summary"),
                        html.P(
                            t("cust.impact_controls", c.lang),
                            id="impact-controls",
                            className="hint",
                        ),
                        grid("impact-grid", impact_rows(impact, c.lang), impact_cols, height=620),
                    ],
                ),
            ]
        )

    content = guard(c, build)
    return shell("customers", c.lang, holder.get("info"), c.tz, t("cust.title", c.lang), content)
