"""SLA compliance (`/sla`): tier x priority x metric, daily trend against the tier
targets, time distributions against the target line, breaches by product area / team /
channel. Every chart drills to the list of tickets behind it."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html, no_update
from dash import ctx as dash_ctx

from dashboard import data, figures, i18n
from dashboard import formatting as fmt
from dashboard.components import (
    card,
    chart_card,
    csv_text,
    ctx,
    define,
    filter_bar,
    grid,
    guard,
    kpi_tile,
    kr_tile,
    link_column,
    shell,
)
from dashboard.components.context import Ctx
from dashboard.i18n import t

dash.register_page(__name__, path="/sla", title="Support Pulse · SLA", name="SLA", order=1)

GRAPHS = (
    "sla-heatmap",
    "sla-trend",
    "sla-dist-first_response",
    "sla-dist-resolution",
    "sla-by-product_area",
    "sla-by-team",
    "sla-by-channel",
)


def _date(value: str | None, default: date | None) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else default
    except ValueError:
        return default


def ticket_columns(lang: str) -> list[dict[str, Any]]:
    return [
        link_column("ticket_id", t("col.ticket", lang), "/ticket/", minWidth=110),
        {"field": "created", "headerName": t("col.created", lang)},
        {"field": "tier", "headerName": t("col.tier", lang)},
        {"field": "priority", "headerName": t("col.priority", lang)},
        {"field": "metric", "headerName": t("col.metric", lang)},
        {
            "field": "outcome",
            "headerName": t("col.outcome", lang),
            "cellClassRules": {
                "cell-bad": "params.data.outcome_code == 'breached'",
                "cell-good": "params.data.outcome_code == 'met'",
            },
        },
        {"field": "elapsed", "headerName": t("col.elapsed", lang)},
        {"field": "target", "headerName": t("col.target", lang)},
        {"field": "area", "headerName": t("col.area", lang)},
        {"field": "channel", "headerName": t("col.channel", lang)},
    ]


EXPORT_FIELDS = (
    "ticket_id",
    "created",
    "tier",
    "priority",
    "metric",
    "outcome",
    "elapsed",
    "target",
    "area",
    "channel",
)


def ticket_rows(df: Any, lang: str, tz: str) -> list[dict[str, Any]]:
    """Ticket list rows for the grid (pure: frame + locale in, dicts out)."""
    rows = []
    for r in df.iter_rows(named=True):
        tid = str(r["ticket_id"])
        rows.append(
            {
                "ticket_id": tid,
                "created": fmt.datetime_(r["created_at"], lang, tz),
                "tier": i18n.label("tier", r["support_tier"], lang),
                "priority": i18n.label("prio", r["priority"], lang),
                "metric": i18n.label("metric", r["metric"], lang),
                "outcome": (
                    "✖ " if r["outcome"] == "breached" else "✔ " if r["outcome"] == "met" else ""
                )
                + i18n.label("outcome", r["outcome"], lang),
                "outcome_code": r["outcome"],
                "elapsed": fmt.clock_duration(r["elapsed_minutes"], r.get("clock"), lang),
                "target": fmt.clock_duration(r["target_minutes"], r.get("clock"), lang),
                "area": i18n.label("area", r.get("product_area"), lang)
                if r.get("product_area")
                else "",
                "channel": i18n.label("channel", r["channel"], lang) if r.get("channel") else "",
            }
        )
    return rows


def heatmap_cell(x: str, y: str, lang: str) -> dict[str, Any] | None:
    """Map a heatmap cell's axis labels back to tier, priority and metric (plotly's
    heatmap clickData carries no customdata)."""
    prio = {i18n.label("prio", p, lang): p for p in data.PRIORITIES}.get(x)
    rows = {
        f"{i18n.label('tier', tier, lang)} · {i18n.label('metric', m, lang)}": (tier, m)
        for tier in data.TIERS
        for m in data.METRICS
    }
    if prio is None or y not in rows:
        return None
    tier, metric = rows[y]
    return {"tier": tier, "priority": prio, "metric": metric}


def selection_from_click(
    trigger: str | None, click: dict | None, lang: str = "en"
) -> dict[str, Any]:
    """Turn a chart click into sla_tickets keyword filters (pure)."""
    if not trigger or not click or not click.get("points"):
        return {"outcome": "breached"}
    point = click["points"][0]
    custom = point.get("customdata")
    if trigger == "sla-heatmap":
        if custom:
            return {"tier": custom[0], "priority": custom[1], "metric": custom[2]}
        cell = heatmap_cell(str(point.get("x")), str(point.get("y")), lang)
        if cell:
            return cell
    if trigger == "sla-trend" and custom:
        return {"tier": custom[0], "day": custom[1]}
    if trigger.startswith("sla-dist-") and custom:
        return {"metric": trigger.removeprefix("sla-dist-"), "bucket": int(custom[0])}
    if trigger.startswith("sla-by-") and custom:
        return {"dimension": custom[0], "key": custom[1], "outcome": "breached"}
    return {"outcome": "breached"}


def describe(sel: dict[str, Any], lang: str) -> str:
    parts = []
    if sel.get("tier"):
        parts.append(i18n.label("tier", sel["tier"], lang))
    if sel.get("priority"):
        parts.append(i18n.label("prio", sel["priority"], lang))
    if sel.get("metric"):
        parts.append(i18n.label("metric", sel["metric"], lang))
    if sel.get("day"):
        parts.append(fmt.date_(date.fromisoformat(sel["day"]), lang))
    if sel.get("bucket") is not None:
        lo = int(sel["bucket"])
        parts.append(t("sla.bucket", lang, lo=lo, hi=lo + 10))
    if sel.get("key"):
        parts.append(i18n.breakdown_label(str(sel.get("dimension", "")), sel["key"], lang))
    if sel.get("outcome"):
        parts.append(i18n.label("outcome", sel["outcome"], lang))
    return " · ".join(parts) if parts else t("sla.all_breached", lang)


def _tickets(c: Ctx, params: dict[str, Any], sel: dict[str, Any]) -> Any:
    start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    kwargs = dict(sel)
    kwargs["tier"] = sel.get("tier") or params.get("tier")
    if params.get("metric") and not sel.get("metric"):
        kwargs["metric"] = params["metric"]
    if kwargs.get("day"):
        kwargs["day"] = date.fromisoformat(kwargs["day"])
    return data.sla_tickets(c.settings, c.viewer, start, end, **kwargs)


def choose_period(
    period: str | None, start: str | None, end: str | None, periods: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The period to show: `period` when the mart has it; else the quarter or year a
    start/end link stands for (the OKR page links so); else the headline period (the
    latest complete month, docs/METRICS.md)."""
    offered = {p["label"]: p for p in periods}
    if period in offered:
        return offered[period]
    if start and end:
        s, e = _date(start, None), _date(end, None)
        if s and e:
            linked = data.sla_range_period(min(s, e), max(s, e))
            if linked in offered:
                return offered[linked]
    return data.sla_default_period(periods)


def layout(
    period: str | None = None,
    tier: str | None = None,
    metric: str | None = None,
    start: str | None = None,
    end: str | None = None,
    lang: str | None = None,
    **_: Any,
) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {}

    def build() -> Any:
        info = data.build_info(c.settings, c.viewer)
        holder["info"] = info
        periods = data.sla_periods(c.settings, c.viewer)
        offered = {p["label"]: p for p in periods}
        chosen = choose_period(period, start, end, periods)
        if chosen is None:
            return _empty(c)
        label = chosen["label"]
        named = fmt.period(label, c.lang, chosen["is_partial"])
        s, e = chosen["start"], chosen["end"]

        def titled(key: str) -> str:
            """Every card names its period."""
            return f"{t(key, c.lang)} · {named}"

        tier_ = data.filter_value(tier)
        metric_ = data.filter_value(metric) if metric in ("first_response", "resolution") else None
        specs = [
            (
                "period",
                t("col.period", c.lang),
                [(k, fmt.period(k, c.lang, p["is_partial"])) for k, p in offered.items()],
            ),
            (
                "tier",
                t("filter.tier", c.lang),
                [("all", t("all", c.lang))]
                + [(v, i18n.label("tier", v, c.lang)) for v in data.TIERS],
            ),
            (
                "metric",
                t("filter.metric", c.lang),
                [("all", t("metric.overall", c.lang))]
                + [(m, i18n.label("metric", m, c.lang)) for m in data.METRICS],
            ),
        ]
        bar = filter_bar(
            {"period": label, "tier": tier_ or "all", "metric": metric_ or "all"}, specs
        )
        matrix = data.sla_matrix(c.settings, c.viewer, label, tier_)
        if matrix.height == 0:
            return html.Div([bar, _empty(c)])
        params = {
            "period": label,
            "start": s.isoformat(),
            "end": e.isoformat(),
            "tier": tier_,
            "metric": metric_,
        }

        # The compliance tiles of a quarter or year are the SLA key results of that OKR
        # period (with the tier filter): the OKR page's rows, never a second computation.
        # Weeks and months have no key result: their tiles are the period's
        # fct_sla_compliance_periods rows (the tier's target), as is overall compliance
        # where the year has no overall KR (FY2025).
        kr_period = data.sla_kr_period(label)

        def kr(metric: str, tier_filter: str | None = tier_) -> dict[str, Any] | None:
            row = data.sla_period_row(c.settings, c.viewer, label, tier_filter, metric)
            if kr_period is None:
                return row
            kr_id = data.SLA_KEY_RESULTS[metric]
            found = data.key_result(c.settings, c.viewer, kr_id, *kr_period, tier_filter)
            return found or (row if metric == "overall" else None)

        total = data.sla_period_row(c.settings, c.viewer, label, tier_, "overall")
        kpis = html.Div(
            [
                kr_tile(
                    kr("overall"),
                    t("sla.overall_kpi", c.lang),
                    c.lang,
                    definition=define(c, "sla_compliance"),
                    tile_id="kpi-overall",
                ),
                kr_tile(
                    kr("first_response"),
                    t("metric.first_response", c.lang),
                    c.lang,
                    definition=define(c, "first_response"),
                    tile_id="kpi-fr",
                ),
                kr_tile(
                    kr("resolution"),
                    t("metric.resolution", c.lang),
                    c.lang,
                    definition=define(c, "resolution"),
                    tile_id="kpi-res",
                ),
                kpi_tile(
                    t("sla.breaches_kpi", c.lang),
                    fmt.number(int(total["breached"]) if total else 0, c.lang),
                    sub=named,
                    tile_id="kpi-breaches",
                ),
            ],
            className="kpi-row",
        )
        # The trend's dashed lines: each tier's target of the same key result.
        trend_kr = metric_ or "overall"
        targets = {
            tier: float(row["target"]) / 100.0
            for tier in data.TIERS
            if (row := kr(trend_kr, tier)) is not None and row.get("target") is not None
        }
        daily = data.sla_daily(c.settings, c.viewer, s, e, tier_, metric_)
        dists = []
        for m in data.METRICS:
            hist = data.sla_distribution(c.settings, c.viewer, label, tier_, m)
            stats = data.sla_time_stats(c.settings, c.viewer, label, tier_, m)
            sub = html.P(
                t(
                    "sla.median",
                    c.lang,
                    m=fmt.duration(stats["median"], c.lang),
                    p=fmt.duration(stats["p90"], c.lang),
                ),
                className="hint",
            )
            dists.append(
                chart_card(
                    titled(f"sla.dist_{'fr' if m == 'first_response' else 'res'}"),
                    f"sla-dist-{m}",
                    figures.distribution(hist, m, c.lang),
                    definition=t("sla.dist_hint", c.lang),
                    above=[sub],
                )
            )
        breaches = []
        for dim, key in (
            ("product_area", "sla.by_area"),
            ("team", "sla.by_team"),
            ("channel", "sla.by_channel"),
        ):
            frame = data.sla_breaches_by(c.settings, c.viewer, label, tier_, dim)
            breaches.append(
                chart_card(titled(key), f"sla-by-{dim}", figures.breaches_bar(frame, dim, c.lang))
            )
        first = _tickets(c, params, {"outcome": "breached"})
        tickets = card(
            titled("sla.tickets"),
            [
                html.P(t("sla.tickets_hint", c.lang), className="hint"),
                html.Div(
                    t("sla.selection", c.lang, what=describe({"outcome": "breached"}, c.lang)),
                    id="sla-selection",
                    className="selection",
                ),
                grid(
                    "sla-tickets",
                    ticket_rows(first, c.lang, c.tz),
                    ticket_columns(c.lang),
                    export_label=t("export.csv", c.lang),
                    height=380,
                    shrink_when_empty=False,
                ),
            ],
        )
        return html.Div(
            [
                bar,
                kpis,
                dcc.Store(id="sla-params", data=params),
                dcc.Store(id="sla-sel", data={"outcome": "breached"}),
                dcc.Store(id="sla-lang", data=c.lang),
                html.Div(
                    [
                        chart_card(
                            titled("sla.matrix"),
                            "sla-heatmap",
                            figures.sla_heatmap(matrix, c.lang),
                            definition=define(c, "sla_compliance"),
                        ),
                        chart_card(
                            titled("sla.trend"),
                            "sla-trend",
                            figures.sla_trend(daily, targets, c.lang),
                        ),
                    ],
                    className="cols-2",
                ),
                html.Div(dists, className="cols-2"),
                html.H2(t("sla.breaches_by", c.lang), className="objective-title"),
                html.Div(breaches, className="cols-3"),
                tickets,
            ]
        )

    content = guard(c, build)
    return shell("sla", c.lang, holder.get("info"), c.tz, t("sla.title", c.lang), content)


def _empty(c: Ctx) -> html.Div:
    from dashboard.components import empty_state

    return empty_state(t("empty.filter", c.lang), kind="filter")


@callback(
    Output("sla-tickets", "rowData"),
    Output("sla-selection", "children"),
    Output("sla-sel", "data"),
    *[Input(g, "clickData") for g in GRAPHS],
    State("sla-params", "data"),
    State("sla-lang", "data"),
    prevent_initial_call=True,
)
def drill(*args: Any) -> Any:
    clicks, params, lang = args[: len(GRAPHS)], args[-2], args[-1]
    trigger = dash_ctx.triggered_id
    if not isinstance(trigger, str) or not params:
        return no_update, no_update, no_update
    click = clicks[GRAPHS.index(trigger)]
    c = ctx(lang)
    sel = selection_from_click(trigger, click, c.lang)
    try:
        df = _tickets(c, params, sel)
    except (data.NoWarehouse, data.MissingMart):
        return [], no_update, no_update
    return (
        ticket_rows(df, c.lang, c.tz),
        t("sla.selection", c.lang, what=describe(sel, c.lang)),
        sel,
    )


@callback(
    Output("sla-tickets-download", "data"),
    Input("sla-tickets-export", "n_clicks"),
    State("sla-params", "data"),
    State("sla-sel", "data"),
    State("sla-lang", "data"),
    prevent_initial_call=True,
)
def export(_n: int, params: dict[str, Any], sel: dict[str, Any], lang: str) -> Any:
    c = ctx(lang)
    df = _tickets(c, params, sel or {})
    rows = ticket_rows(df, c.lang, c.tz)
    titles = {f["field"]: f["headerName"] for f in ticket_columns(c.lang)}
    columns = [(f, titles.get(f, f)) for f in EXPORT_FIELDS]
    period = [
        (t("col.period_start", c.lang), params["start"]),
        (t("col.period_end", c.lang), params["end"]),
    ]
    return dcc.send_string(
        csv_text(rows, columns, lang=c.lang, period=period),
        f"sla-tickets-{params['start']}-{params['end']}.csv",
    )
