"""Customers (`/customers`): NPS by wave and tier / segment / region with the response
count and a low-n flag, CSAT trend, retention and net expansion with their components,
and support impact (accounts with SLA breaches against those without)."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashboard import data, figures, i18n
from dashboard import formatting as fmt
from dashboard.components import (
    card,
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
            {"field": "flag", "headerName": "", "cellClass": "warn"},
        ]
        impact_rows = [
            {
                "group": t("cust.with_breach", c.lang)
                if r["had_breach"]
                else t("cust.without_breach", c.lang),
                "accounts": int(r["accounts"]),
                "retained": fmt.percent(r["retained"], c.lang),
                "nps": fmt.number(r["nps"], c.lang),
                "n": int(r["nps_n"] or 0),
            }
            for r in impact.iter_rows(named=True)
        ]
        impact_cols = [
            {"field": "group", "headerName": t("cust.group", c.lang)},
            {"field": "accounts", "headerName": t("cust.accounts", c.lang)},
            {"field": "retained", "headerName": t("m.retention", c.lang)},
            {"field": "nps", "headerName": "NPS"},
            {"field": "n", "headerName": "n"},
        ]
        return html.Div(
            [
                bar,
                html.Div(tiles, className="kpi-row"),
                html.Div(
                    [
                        card(
                            t("cust.nps", c.lang),
                            [
                                dcc.Graph(
                                    id="nps-chart",
                                    figure=figures.nps_chart(nps, c.lang),
                                    config={"displayModeBar": False},
                                ),
                                grid(
                                    "nps-grid", nps_rows(nps, split_, c.lang), nps_cols, height=260
                                ),
                            ],
                            definition=define(c, "nps"),
                        ),
                        card(
                            t("cust.csat_trend", c.lang),
                            dcc.Graph(
                                id="csat-chart",
                                figure=figures.csat_trend(csat, c.lang),
                                config={"displayModeBar": False},
                            ),
                            definition=define(c, "csat"),
                        ),
                    ],
                    className="cols-2",
                ),
                html.Div(
                    [
                        card(
                            t("cust.retention", c.lang),
                            dcc.Graph(
                                id="retention-chart",
                                figure=figures.retention_chart(ret, c.lang),
                                config={"displayModeBar": False},
                            ),
                            definition=define(c, "net_expansion"),
                        ),
                        card(
                            t("cust.impact", c.lang),
                            [
                                html.P(t("cust.impact_hint", c.lang), className="hint"),
                                dcc.Graph(
                                    id="impact-chart",
                                    figure=figures.impact_chart(impact, c.lang),
                                    config={"displayModeBar": False},
                                ),
                                grid("impact-grid", impact_rows, impact_cols, height=140),
                            ],
                        ),
                    ],
                    className="cols-2",
                ),
            ]
        )

    content = guard(c, build)
    return shell("customers", c.lang, holder.get("info"), c.tz, t("cust.title", c.lang), content)
