"""Revenue and efficiency (`/revenue`): support-attributed revenue year to date against
target with the credited opportunities, win rate / POC conversion / average deal /
cycle by competitor, cost per ticket in USD and RUB, automation share.

The three tiles are fct_efficiency_periods rows of the chosen period (by default the
latest complete quarter): the mart sums the months exactly as the OKR key results do, so
they are the OKR page's numbers for that period, and it carries the organisation's
automation target for years without an automation KR."""

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
    __name__, path="/revenue", title="Support Pulse · Revenue", name="Revenue", order=4
)


def competitor_rows(df: Any, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "competitor": i18n.label("competitor", r["competitor"], lang),
            "won_lost": f"{int(r['won'])} / {int(r['lost'])}",
            "win_rate": r["win_rate"],
            "poc": r["poc_conversion"],
            "avg_deal": fmt.money(r["avg_deal_usd"], lang),
            "cycle": fmt.number(r["avg_cycle_days"], lang),
        }
        for r in df.iter_rows(named=True)
    ]


def layout(
    year: str | None = None, quarter: str | None = None, lang: str | None = None, **_: Any
) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {}

    def build() -> Any:
        holder["info"] = data.build_info(c.settings, c.viewer)
        y, q = data.resolve_quarter(c.settings, c.viewer, year, quarter)
        this_year = data.current_quarter(c.settings, c.viewer)[0]
        bar = filter_bar(
            {"year": str(y), "quarter": str(q) if q else "all"},
            period_specs([this_year - 1, this_year, y], c.lang),
        )
        rev = data.revenue_ytd(c.settings, c.viewer, y)
        opps = data.credited_opportunities(c.settings, c.viewer, y)
        comp = data.deals_by_competitor(c.settings, c.viewer, y, q)
        cost = data.cost_monthly(c.settings, c.viewer, y)
        if rev["ytd"].is_null().all() and comp.height == 0 and cost.height == 0:
            return html.Div([bar, empty_state(t("empty.filter", c.lang), kind="filter")])
        krs = data.efficiency(c.settings, c.viewer, y, q)
        tiles = [
            kr_tile(
                krs.get("attributed_revenue"),
                t("m.attributed_revenue", c.lang),
                c.lang,
                definition=define(c, "attributed_revenue"),
                tile_id="kpi-revenue",
            ),
            kr_tile(
                krs.get("cost_per_ticket"),
                t("m.cost_per_ticket", c.lang),
                c.lang,
                definition=define(c, "cost_per_ticket"),
                tile_id="kpi-cost",
            ),
            kr_tile(
                krs.get("automation_share"),
                t("m.automation_share", c.lang),
                c.lang,
                definition=define(c, "automation_share"),
                tile_id="kpi-automation",
            ),
        ]
        cost_target = (krs.get("cost_per_ticket") or {}).get("target")
        automation_target = (krs.get("automation_share") or {}).get("target")
        opp_rows = [
            {
                "account": r.get("account_name") or "",
                "type": i18n.label("dealtype", r["opportunity_type"], c.lang),
                "competitor": i18n.label("competitor", r["competitor"], c.lang),
                "closed": fmt.date_(r["close_date"], c.lang),
                "amount": r["amount_usd"],
                "pct": r["support_credit_pct"],
                "credited": r["attributed_revenue_usd"],
            }
            for r in opps.iter_rows(named=True)
        ]
        money = {"function": f"pulseFmt(params.value, 'number', '{c.lang}')"}
        # What the deal brought support first (credited, share, amount), then what it
        # was: a half-width card shows these without scrolling sideways.
        opp_cols = [
            {"field": "account", "headerName": t("rev.account", c.lang)},
            {
                "field": "credited",
                "headerName": t("rev.credited_usd", c.lang),
                "type": "numericColumn",
                "valueFormatter": money,
                "sort": "desc",
            },
            {"field": "pct", "headerName": t("rev.credit_pct", c.lang), "type": "numericColumn"},
            {
                "field": "amount",
                "headerName": t("rev.amount", c.lang),
                "type": "numericColumn",
                "valueFormatter": money,
            },
            {"field": "type", "headerName": t("rev.type", c.lang)},
            {"field": "competitor", "headerName": t("rev.competitor", c.lang)},
            {"field": "closed", "headerName": t("rev.closed", c.lang)},
        ]
        share_fmt = {"function": f"pulseFmt(params.value, 'share', '{c.lang}')"}
        comp_cols = [
            {"field": "competitor", "headerName": t("rev.competitor", c.lang)},
            {"field": "won_lost", "headerName": t("rev.won_lost", c.lang)},
            {
                "field": "win_rate",
                "headerName": t("rev.win", c.lang),
                "valueFormatter": share_fmt,
                "type": "numericColumn",
            },
            {
                "field": "poc",
                "headerName": t("rev.poc", c.lang),
                "valueFormatter": share_fmt,
                "type": "numericColumn",
            },
            {"field": "avg_deal", "headerName": t("rev.avg_deal", c.lang)},
            {"field": "cycle", "headerName": t("rev.cycle", c.lang)},
        ]
        months = cost["month"].to_list() if cost.height else []
        return html.Div(
            [
                bar,
                html.Div(tiles, className="kpi-row"),
                html.Div(
                    [
                        chart_card(
                            t("rev.attributed", c.lang),
                            "revenue-chart",
                            figures.revenue_cumulative(rev, c.lang),
                            definition=define(c, "attributed_revenue"),
                        ),
                        card(
                            t("rev.credited", c.lang),
                            grid("opps-grid", opp_rows, opp_cols, height=330),
                        ),
                    ],
                    className="cols-2",
                ),
                html.Div(
                    [
                        chart_card(
                            t("rev.by_competitor", c.lang),
                            "competitor-chart",
                            figures.competitor_chart(comp, c.lang),
                            definition=define(c, "win_rate") + " " + define(c, "poc_conversion"),
                            below=[
                                grid(
                                    "competitor-grid",
                                    competitor_rows(comp, c.lang),
                                    comp_cols,
                                    height=260,
                                )
                            ],
                        ),
                        chart_card(
                            t("rev.cost", c.lang),
                            "cost-chart",
                            figures.cost_chart(cost, cost_target, c.lang),
                            definition=define(c, "cost_per_ticket"),
                        ),
                    ],
                    className="cols-2",
                ),
                html.Div(
                    [
                        chart_card(
                            t("rev.automation", c.lang),
                            "automation-chart",
                            figures.share_line(
                                months,
                                cost["automation_share"].to_list() if cost.height else [],
                                None if automation_target is None else automation_target / 100.0,
                                t("m.automation_share", c.lang),
                                c.lang,
                            ),
                            definition=define(c, "automation_share"),
                        ),
                    ],
                    className="cols-2",
                ),
            ]
        )

    content = guard(c, build)
    return shell("revenue", c.lang, holder.get("info"), c.tz, t("rev.title", c.lang), content)
