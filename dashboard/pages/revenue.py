"""Revenue and efficiency (`/revenue`): support-attributed revenue year to date against
target with the credited opportunities, win rate / POC conversion / average deal /
cycle by competitor, cost per ticket in USD and RUB, automation share, tickets per
engineer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

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
    kpi_tile,
    shell,
)
from dashboard.i18n import t

dash.register_page(
    __name__, path="/revenue", title="Support Pulse · Revenue", name="Revenue", order=4
)

COST_TARGET_USD = {2025: 50.0, 2026: 45.0}  # DESIGN s4 (the OKR mart's target wins when present)
AUTOMATION_TARGET = 0.30


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


def layout(year: str | None = None, lang: str | None = None, **_: Any) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {}

    def build() -> Any:
        info = data.build_info(c.settings, c.viewer)
        holder["info"] = info
        as_of = info.get("as_of") or datetime.now(UTC).replace(tzinfo=None)
        this_year = as_of.replace(tzinfo=UTC).astimezone(ZoneInfo(c.tz)).year
        try:
            y = int(str(year)) if year else this_year
        except ValueError:
            y = this_year
        years = sorted({this_year - 1, this_year, y})
        bar = filter_bar(
            {"year": str(y)},
            [("year", t("filter.year", c.lang), [(str(v), str(v)) for v in years])],
        )
        rev = data.revenue_ytd(c.settings, c.viewer, y)
        opps = data.credited_opportunities(c.settings, c.viewer, y)
        comp = data.deals_by_competitor(c.settings, c.viewer, y)
        cost = data.cost_monthly(c.settings, c.viewer, y)
        if rev["monthly"].height == 0 and comp.height == 0 and cost.height == 0:
            return html.Div([bar, empty_state(t("empty.filter", c.lang), kind="filter")])
        target = rev["target"]
        share = rev["total"] / target if target else None
        status = (
            None
            if share is None
            else data.okr_status(
                rev["total"],
                target
                * max(data.quarter_elapsed(info.get("as_of"), y, None, ZoneInfo(c.tz)), 0.01),
                "higher",
            )
        )
        tiles = [
            kpi_tile(
                t("m.attributed_revenue", c.lang),
                fmt.compact_money(rev["total"], c.lang),
                sub=(
                    t("rev.of_target", c.lang, target=fmt.compact_money(target, c.lang))
                    + f" · {fmt.percent(share, c.lang, 0)}"
                )
                if target
                else t("rev.ytd", c.lang, year=y),
                status=status,
                lang=c.lang,
                definition=define(c, "attributed_revenue"),
                tile_id="kpi-revenue",
            )
        ]
        costed = cost.filter(cost["cost_per_ticket_usd"].is_not_null()) if cost.height else cost
        if costed.height:
            last = costed.row(costed.height - 1, named=True)
            tgt = COST_TARGET_USD.get(y)
            tiles.append(
                kpi_tile(
                    t("rev.cost_latest", c.lang, month=last["month"]),
                    fmt.money(last["cost_per_ticket_usd"], c.lang, "USD", 2),
                    sub=f"{fmt.money(last['cost_per_ticket_rub'], c.lang, 'RUB')}"
                    + (f" · {t('okr.target', c.lang)} < {fmt.money(tgt, c.lang)}" if tgt else ""),
                    status=data.okr_status(last["cost_per_ticket_usd"], tgt, "lower")
                    if tgt
                    else None,
                    lang=c.lang,
                    definition=define(c, "cost_per_ticket"),
                    tile_id="kpi-cost",
                )
            )
            tiles.append(
                kpi_tile(
                    t("m.automation_share", c.lang),
                    fmt.percent(last["automation_share"], c.lang),
                    sub=f"{t('okr.target', c.lang)} {fmt.percent(AUTOMATION_TARGET, c.lang, 0)}",
                    status=data.okr_status(last["automation_share"], AUTOMATION_TARGET, "higher")
                    if last["automation_share"] is not None
                    else None,
                    lang=c.lang,
                    definition=define(c, "automation_share"),
                    tile_id="kpi-automation",
                )
            )
            tiles.append(
                kpi_tile(
                    t("m.tickets_per_engineer", c.lang),
                    fmt.number(last["tickets_per_engineer"], c.lang, 1),
                    sub=last["month"],
                    tile_id="kpi-tpe",
                )
            )
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
        opp_cols = [
            {"field": "account", "headerName": t("rev.account", c.lang)},
            {"field": "type", "headerName": t("rev.type", c.lang)},
            {"field": "competitor", "headerName": t("rev.competitor", c.lang)},
            {"field": "closed", "headerName": t("rev.closed", c.lang)},
            {
                "field": "amount",
                "headerName": t("rev.amount", c.lang),
                "type": "numericColumn",
                "valueFormatter": money,
            },
            {"field": "pct", "headerName": t("rev.credit_pct", c.lang), "type": "numericColumn"},
            {
                "field": "credited",
                "headerName": t("rev.credited_usd", c.lang),
                "type": "numericColumn",
                "valueFormatter": money,
                "sort": "desc",
            },
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
                        card(
                            t("rev.attributed", c.lang),
                            dcc.Graph(
                                id="revenue-chart",
                                figure=figures.revenue_cumulative(
                                    rev["monthly"], target, y, c.lang
                                ),
                                config={"displayModeBar": False},
                            ),
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
                        card(
                            t("rev.by_competitor", c.lang),
                            [
                                dcc.Graph(
                                    id="competitor-chart",
                                    figure=figures.competitor_chart(comp, c.lang),
                                    config={"displayModeBar": False},
                                ),
                                grid(
                                    "competitor-grid",
                                    competitor_rows(comp, c.lang),
                                    comp_cols,
                                    height=260,
                                ),
                            ],
                            definition=define(c, "win_rate") + " " + define(c, "poc_conversion"),
                        ),
                        card(
                            t("rev.cost", c.lang),
                            dcc.Graph(
                                id="cost-chart",
                                figure=figures.cost_chart(cost, COST_TARGET_USD.get(y), c.lang),
                                config={"displayModeBar": False},
                            ),
                            definition=define(c, "cost_per_ticket"),
                        ),
                    ],
                    className="cols-2",
                ),
                html.Div(
                    [
                        card(
                            t("rev.automation", c.lang),
                            dcc.Graph(
                                id="automation-chart",
                                figure=figures.share_line(
                                    months,
                                    cost["automation_share"].to_list() if cost.height else [],
                                    AUTOMATION_TARGET,
                                    t("m.automation_share", c.lang),
                                    c.lang,
                                ),
                                config={"displayModeBar": False},
                            ),
                            definition=define(c, "automation_share"),
                        ),
                        card(
                            t("rev.per_engineer", c.lang),
                            dcc.Graph(
                                id="tpe-chart",
                                figure=figures.simple_bars(
                                    months,
                                    cost["tickets_per_engineer"].to_list() if cost.height else [],
                                    t("m.tickets_per_engineer", c.lang),
                                    c.lang,
                                    1,
                                ),
                                config={"displayModeBar": False},
                            ),
                        ),
                    ],
                    className="cols-2",
                ),
            ]
        )

    content = guard(c, build)
    return shell("revenue", c.lang, holder.get("info"), c.tz, t("rev.title", c.lang), content)
