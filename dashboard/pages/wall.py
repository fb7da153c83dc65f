"""The support-room wall monitor (`/wall`) for a 1920x1080 TV.

Dark, high-contrast, at most six tiles, nothing smaller than ~40 px, no scrolling and no
interaction, and never a customer or engineer name (the data layer returns none).
The server refreshes the numbers every 60 s; the browser ticks the countdowns every
second from `due_at`, shows the stale warning from the as-of time, and keeps the last
good screen with a "connection lost" note when refreshes stop arriving.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from dashboard import data, i18n
from dashboard import formatting as fmt
from dashboard.components import ctx
from dashboard.components.context import Ctx
from dashboard.components.metrics import STATE_OF_STATUS
from dashboard.i18n import t

dash.register_page(__name__, path="/wall", title="Support Pulse · Wall", name="Wall")

REFRESH_MS = 60_000
QUEUE_ROWS = 7


def _compliance_tile(c: Ctx, label: str, block: dict[str, Any], tile_id: str) -> html.Div:
    """Today's compliance of one metric: the mart's day row, coloured by its status."""
    comp, target = block.get("compliance"), block.get("target")
    if comp is None:
        state, value, icon = "plain", fmt.DASH, ""
        sub = t("wall.no_outcomes", c.lang)
    else:
        state = STATE_OF_STATUS.get(block.get("status") or "", "plain")
        icon = {"good": "✔ ", "warn": "⚠ ", "bad": "✖ "}.get(state, "")
        value = fmt.percent(comp, c.lang, 0 if comp >= 0.9995 else 1)
        count = fmt.number(block["met"] + block["breached"], c.lang)
        sub = (
            count
            if target is None  # the year has no SLA key result
            else f"{t('wall.target', c.lang, target=fmt.percent(target, c.lang, 0))} · {count}"
        )
    return html.Div(
        [
            html.Div(label, className="wall-label"),
            html.Div([html.Span(icon, className="wall-icon"), value], className="wall-value"),
            html.Div(sub, className="wall-sub"),
        ],
        className=f"wall-tile wall-{state}",
        id=tile_id,
    )


def wall_tiles(c: Ctx, snap: dict[str, Any]) -> list[html.Div]:
    """The four number tiles (pure: snapshot + locale in, components out)."""
    today, yesterday = snap["breaches_today"], snap["breaches_yesterday"]
    trend = "▲" if today > yesterday else ("▼" if today < yesterday else "=")
    breach_state = "good" if today == 0 else ("bad" if today > yesterday else "warn")
    critical = snap["open_critical"]
    return [
        _compliance_tile(c, t("wall.fr", c.lang), snap["first_response"], "wall-fr"),
        _compliance_tile(c, t("wall.res", c.lang), snap["resolution"], "wall-res"),
        html.Div(
            [
                html.Div(t("wall.breaches", c.lang), className="wall-label"),
                html.Div(
                    [html.Span(trend + " ", className="wall-icon"), fmt.number(today, c.lang)],
                    className="wall-value",
                ),
                html.Div(
                    t("wall.yesterday", c.lang, n=fmt.number(yesterday, c.lang)),
                    className="wall-sub",
                ),
            ],
            className=f"wall-tile wall-{breach_state}",
            id="wall-breaches",
        ),
        html.Div(
            [
                html.Div(t("wall.critical", c.lang), className="wall-label"),
                html.Div(
                    [
                        html.Span("⚠ " if critical else "✔ ", className="wall-icon"),
                        fmt.number(critical, c.lang),
                    ],
                    className="wall-value",
                ),
                html.Div(i18n.label("prio", "critical", c.lang), className="wall-sub"),
            ],
            className=f"wall-tile wall-{'bad' if critical else 'good'}",
            id="wall-critical",
        ),
    ]


def wall_store(c: Ctx, snap: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
    """What the browser needs to tick: queue with due times, as-of and the labels."""
    return {
        "queue": [
            {
                "id": q["ticket_id"],
                "what": f"{t('short.' + str(q['support_tier']), c.lang)} · "
                f"{i18n.label('prio', q['priority'], c.lang)}",
                "metric": i18n.label("metric", q["metric"], c.lang),
                "due": q["due_at"],
            }
            for q in snap["queue"][:QUEUE_ROWS]
        ],
        "as_of": snap["as_of"] + "Z",
        "as_of_text": fmt.datetime_(info.get("as_of"), c.lang, c.tz),
        "stale_after_min": getattr(c.settings, "stale_after_minutes", 15),
        "labels": {
            "asof": t("asof.label", c.lang),
            "stale": t("asof.stale", c.lang, age="{age}"),
            "breached": t("wall.breached", c.lang),
            "empty": t("wall.queue_empty", c.lang),
            "lost": t("wall.connection_lost", c.lang),
            "h": "ч" if c.lang == "ru" else "h",
            "m": "мин" if c.lang == "ru" else "min",
            "d": "д" if c.lang == "ru" else "d",
        },
    }


def _render(c: Ctx) -> tuple[list[Any], dict[str, Any]]:
    try:
        info = data.build_info(c.settings, c.viewer)
        snap = data.wall_snapshot(c.settings, c.viewer)
    except (data.NoWarehouse, data.BrokenWarehouse) as exc:
        broken = isinstance(exc, data.BrokenWarehouse)
        key = "empty.broken_warehouse" if broken else "empty.no_warehouse"
        msg = html.Div(t(key, c.lang), className="wall-tile wall-warn wall-empty")
        return [msg], {"queue": [], "labels": {"empty": ""}, "as_of": None}
    except data.MissingMart as exc:
        msg = html.Div(
            t("empty.no_table", c.lang, table=exc.table), className="wall-tile wall-warn wall-empty"
        )
        return [msg], {"queue": [], "labels": {"empty": ""}, "as_of": None}
    return wall_tiles(c, snap), wall_store(c, snap, info)


def layout(lang: str | None = None, **_: Any) -> html.Div:
    c = ctx(lang)
    tiles, store = _render(c)
    return html.Div(
        [
            dcc.Store(id="wall-lang", data=c.lang),
            dcc.Store(id="wall-data", data=store),
            dcc.Store(id="wall-seen", data=None),
            dcc.Interval(id="wall-refresh", interval=REFRESH_MS),
            dcc.Interval(id="wall-tick", interval=1000),
            html.Div(
                [
                    html.Div("◉ Support Pulse", className="wall-title"),
                    html.Div(id="wall-conn", className="wall-conn"),
                    html.Div(id="wall-stale"),
                    html.Div(store.get("as_of_text", ""), id="wall-asof", className="wall-asof"),
                ],
                className="wall-head",
            ),
            html.Div(tiles, id="wall-tiles", className="wall-tiles"),
            html.Div(
                [
                    html.Div(t("wall.queue", c.lang), className="wall-label"),
                    html.Div(id="wall-queue", className="wall-queue-rows"),
                ],
                className="wall-tile wall-queue",
            ),
        ],
        className="wall",
        lang=c.lang,
        id="wall",
    )


@callback(
    Output("wall-tiles", "children"),
    Output("wall-data", "data"),
    Input("wall-refresh", "n_intervals"),
    State("wall-lang", "data"),
    prevent_initial_call=True,
)
def refresh(_n: int, lang: str | None) -> tuple[list[Any], dict[str, Any]]:
    return _render(ctx(lang))


clientside_callback(
    ClientsideFunction(namespace="pulse", function_name="wallSeen"),
    Output("wall-seen", "data"),
    Input("wall-data", "data"),
)

clientside_callback(
    ClientsideFunction(namespace="pulse", function_name="wallTick"),
    Output("wall-queue", "children"),
    Output("wall-stale", "children"),
    Output("wall-conn", "children"),
    Input("wall-tick", "n_intervals"),
    Input("wall-data", "data"),
    State("wall-seen", "data"),
)
