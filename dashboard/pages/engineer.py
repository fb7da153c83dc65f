"""One engineer (`/engineer/<id>`): the period's metrics (the same fct_engineer_periods
rows /teams shows for the period, `?period=`, by default the last four full weeks),
weekly trends against the tier targets, QA reviews, CSAT comments, knowledge-base
articles and tickets. The data layer refuses engineers the viewer may not see (a lead's
other teams, another engineer, the wall)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import data, figures, i18n
from dashboard import formatting as fmt
from dashboard.components import (
    card,
    csv_text,
    ctx,
    define,
    empty_state,
    filter_bar,
    grid,
    guard,
    kpi_tile,
    link_column,
    shell,
)
from dashboard.components.metrics import DEFINITION_KEY
from dashboard.i18n import t

dash.register_page(
    __name__,
    path_template="/engineer/<engineer_id>",
    title="Support Pulse · Engineer",
    name="Engineer",
)

TREND_METRICS = (
    "response_compliance",
    "resolution_compliance",
    "fcr",
    "csat",
    "qa_score",
    "tickets_handled",
)


def _fmt_metric(metric: str, value: Any, lang: str) -> str:
    kind = dict((m, k) for m, k, _h in data.ENGINEER_METRICS)[metric]
    return fmt.percent(value, lang) if kind == "share" else fmt.number(value, lang, 1)


def layout(
    engineer_id: str | None = None,
    period: str | None = None,
    lang: str | None = None,
    **_: Any,
) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {"title": t("eng.title", c.lang)}

    def build() -> Any:
        holder["info"] = data.build_info(c.settings, c.viewer)
        # The teams page's periods: the same rows as its grid for the chosen one.
        periods = data.engineer_periods(c.settings, c.viewer)
        labels = {p["label"]: fmt.period(p["label"], c.lang, p["is_partial"]) for p in periods}
        chosen = period if period in labels else data.DEFAULT_PERIOD
        bar = filter_bar(
            {"period": chosen},
            [("period", t("teams.weeks", c.lang), list(labels.items()) or [(chosen, chosen)])],
        )
        prof = data.engineer_profile(c.settings, c.viewer, str(engineer_id), chosen)
        if not prof.get("found"):
            return empty_state(t("eng.not_found", c.lang, id=engineer_id), kind="filter")
        eng = prof["engineer"]
        holder["title"] = f"{eng['full_name']} · {eng.get('team_name') or ''}"
        weekly = prof["weekly"]
        summary = prof["summary"]
        period_name = fmt.period(
            summary.get("period_label") or chosen,
            c.lang,
            bool(summary.get("is_partial")),
        )
        tiles = []
        for metric, _k, _h in data.ENGINEER_METRICS:
            value, target = summary.get(metric), summary.get(f"{metric}_target")
            sub = [period_name]
            if target is not None:
                target_text = _fmt_metric(metric, target, c.lang)
                if metric == "tickets_handled" and summary.get("tickets_handled_target_max"):
                    target_max = _fmt_metric(metric, summary["tickets_handled_target_max"], c.lang)
                    target_text = f"{target_text}–{target_max}"
                sub.append(f"{t('sla.target', c.lang)} {target_text}")
            if summary.get(f"{metric}_low_n"):
                sub.append("⚠ " + t("okr.low_n", c.lang))
            tiles.append(
                kpi_tile(
                    t(f"m.{metric}", c.lang),
                    _fmt_metric(metric, value, c.lang),
                    sub=" · ".join(sub),
                    status=summary.get(f"{metric}_status"),
                    lang=c.lang,
                    definition=define(c, DEFINITION_KEY[metric]),
                    tile_id=f"eng-kpi-{metric}",
                )
            )
        trends = []
        if weekly.height:
            weeks = weekly["period_start"].to_list()
            kinds = {m: k for m, k, _h in data.ENGINEER_METRICS}
            for metric in TREND_METRICS:
                targets = [v for v in weekly[f"{metric}_target"].to_list() if v is not None]
                trends.append(
                    card(
                        t(f"m.{metric}", c.lang),
                        dcc.Graph(
                            figure=figures.weekly_metric(
                                weeks,
                                weekly[metric].to_list(),
                                targets[-1] if targets else None,
                                t(f"m.{metric}", c.lang),
                                c.lang,
                                share=kinds[metric] == "share",
                            ),
                            config={"displayModeBar": False},
                        ),
                    )
                )
        qa_rows = [
            {
                "ticket": r["ticket_id"],
                "date": fmt.date_(r["reviewed_at"], c.lang, c.tz),
                "total": r["total_score"],
                "tech": r["technical_accuracy"],
                "comm": r["communication"],
                "time": r["timeliness"],
                "proc": r["process"],
                "cs": r["customer_satisfaction"],
            }
            for r in prof["qa"].iter_rows(named=True)
        ]
        qa_cols = [
            {"field": "date", "headerName": t("col.date", c.lang)},
            link_column("ticket", t("col.ticket", c.lang), "/ticket/"),
            {"field": "total", "headerName": t("eng.qa_total", c.lang)},
            {"field": "tech", "headerName": t("eng.qa_tech", c.lang)},
            {"field": "comm", "headerName": t("eng.qa_comm", c.lang)},
            {"field": "time", "headerName": t("eng.qa_time", c.lang)},
            {"field": "proc", "headerName": t("eng.qa_proc", c.lang)},
            {"field": "cs", "headerName": t("eng.qa_cs", c.lang)},
        ]
        csat_rows = [
            {
                "date": fmt.date_(r["responded_at"], c.lang, c.tz),
                "ticket": r["ticket_id"],
                "score": ("✔ " if (r["score"] or 0) >= 4 else "✖ ") + str(r["score"]),
                "comment": r["comment"] or "",
            }
            for r in prof["csat"].iter_rows(named=True)
        ]
        csat_cols = [
            {"field": "date", "headerName": t("col.date", c.lang), "maxWidth": 130},
            link_column("ticket", t("col.ticket", c.lang), "/ticket/", maxWidth=130),
            {"field": "score", "headerName": t("col.score", c.lang), "maxWidth": 100},
            {"field": "comment", "headerName": t("col.comment", c.lang), "flex": 3},
        ]
        kb_rows = [
            {
                "id": r["article_id"],
                "date": fmt.date_(r["published_at"], c.lang, c.tz),
                "category": i18n.label("area", r["category"], c.lang),
                "language": r["language"],
                "status": i18n.label("kbstatus", r["status"], c.lang),
            }
            for r in prof["kb"].iter_rows(named=True)
        ]
        kb_cols = [
            {"field": "id", "headerName": t("col.title", c.lang)},
            {"field": "date", "headerName": t("col.date", c.lang)},
            {"field": "category", "headerName": t("col.category", c.lang)},
            {"field": "language", "headerName": t("col.language", c.lang)},
            {"field": "status", "headerName": t("col.status", c.lang)},
        ]
        ticket_rows = [
            {
                "ticket": r["ticket_id"],
                "created": fmt.datetime_(r["created_at"], c.lang, c.tz),
                "tier": i18n.label("tier", r["support_tier"], c.lang),
                "priority": i18n.label("prio", r["priority"], c.lang),
                "area": i18n.label("area", r["product_area"], c.lang),
                "solved": t("eng.open", c.lang)
                if r["is_open"]
                else fmt.datetime_(r["solved_at"], c.lang, c.tz),
                "resolution": fmt.duration(r["resolution_minutes"], c.lang),
            }
            for r in prof["tickets"].iter_rows(named=True)
        ]
        ticket_cols = [
            link_column("ticket", t("col.ticket", c.lang), "/ticket/"),
            {"field": "created", "headerName": t("col.created", c.lang)},
            {"field": "tier", "headerName": t("col.tier", c.lang)},
            {"field": "priority", "headerName": t("col.priority", c.lang)},
            {"field": "area", "headerName": t("col.area", c.lang)},
            {"field": "solved", "headerName": t("eng.solved", c.lang)},
            {"field": "resolution", "headerName": t("metric.resolution", c.lang)},
        ]
        return html.Div(
            [
                dcc.Link(
                    t("eng.back", c.lang), href=f"/teams?period={chosen}", className="kr-link"
                ),
                bar,
                html.H2(period_name, className="objective-title"),
                html.Div(tiles, className="kpi-row", id="engineer-kpis"),
                html.Div(
                    [
                        html.H2(t("eng.weekly", c.lang), className="objective-title"),
                        html.Button(
                            "⤓ " + t("export.csv", c.lang), id="eng-weeks-export", className="btn"
                        ),
                        dcc.Download(id="eng-weeks-download"),
                        dcc.Store(
                            id="eng-params", data={"engineer": str(engineer_id), "lang": c.lang}
                        ),
                    ],
                    className="grid-tools",
                ),
                html.Div(trends, className="cols-3"),
                html.Div(
                    [
                        card(t("eng.qa", c.lang), grid("eng-qa", qa_rows, qa_cols, height=300)),
                        card(
                            t("eng.csat", c.lang),
                            grid("eng-csat", csat_rows, csat_cols, height=300),
                        ),
                    ],
                    className="cols-2",
                ),
                html.Div(
                    [
                        card(t("eng.kb", c.lang), grid("eng-kb", kb_rows, kb_cols, height=300)),
                        card(
                            t("eng.tickets", c.lang),
                            grid("eng-tickets", ticket_rows, ticket_cols, height=300),
                        ),
                    ],
                    className="cols-2",
                ),
            ]
        )

    content = guard(c, build)
    return shell("teams", c.lang, holder.get("info"), c.tz, holder["title"], content)


def weeks_export(prof: dict[str, Any], lang: str) -> tuple[list[dict[str, Any]], list, list]:
    """One row per week with every metric beside its target, the engineer's id and name
    and the week as period columns (pure: profile in, CSV rows out)."""
    eng = prof["engineer"]
    columns: list[tuple[str, str]] = [("week", t("col.week", lang))]
    for metric, _kind, _hib in data.ENGINEER_METRICS:
        columns.append((metric, t(f"m.{metric}", lang)))
        columns.append((f"{metric}_target", f"{t(f'm.{metric}', lang)} · {t('col.target', lang)}"))
    rows = [
        {"week": str(r["period_label"]), **{f: r.get(f) for f, _t in columns[1:]}}
        for r in prof["weekly"].iter_rows(named=True)
    ]
    period = [
        (t("col.engineer_id", lang), eng["engineer_id"]),
        (t("col.engineer", lang), eng["full_name"]),
    ]
    return rows, columns, period


@callback(
    Output("eng-weeks-download", "data"),
    Input("eng-weeks-export", "n_clicks"),
    State("eng-params", "data"),
    prevent_initial_call=True,
)
def export(_n: int, params: dict[str, Any]) -> Any:
    """Rebuilt from the data layer for this request's viewer, like the page itself."""
    params = params or {}
    c = ctx(params.get("lang"))
    try:
        prof = data.engineer_profile(c.settings, c.viewer, str(params.get("engineer")))
    except data.Forbidden:
        return dash.no_update
    if not prof.get("found") or prof.get("forbidden"):
        return dash.no_update
    rows, columns, period = weeks_export(prof, c.lang)
    name = f"engineer-{prof['engineer']['engineer_id']}-weeks.csv"
    return dcc.send_string(csv_text(rows, columns, lang=c.lang, period=period), name)
