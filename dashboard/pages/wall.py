"""The support-room wall monitor (`/wall`) for a 1920x1080 TV.

Dark, high-contrast, four number tiles and two lists (open clocks already breached,
longest overdue first, above the clocks nearest breach) that share the rest of the
screen; no scrolling and no interaction, and never a customer or engineer name (the
data layer returns none). Every size is in 1/1080 of the screen height (or 1/1920 of
its width), so a 480x270 preview reads as the TV does.
The server refreshes the numbers every 60 s; the browser ticks the wall clock, the
countdowns and the overdue times every second from `due_at`, dims the tiles with a
"stale since" banner from the as-of time, and keeps the last good screen with a
"connection lost" note when refreshes stop arriving.
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
        count = t("wall.outcomes", c.lang, n=fmt.number(block["met"] + block["breached"], c.lang))
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
                # room for the ids, ages and clocks the browser ticks over this tile
                html.Div(className="wall-critical-space"),
            ],
            className=f"wall-tile wall-{'bad' if critical else 'good'}",
            id="wall-critical",
        ),
    ]


def _row(c: Ctx, q: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": q["ticket_id"],
        "what": f"{t('short.' + str(q['support_tier']), c.lang)} · "
        f"{i18n.label('prio', q['priority'], c.lang)}",
        "metric": i18n.label("metric", q["metric"], c.lang),
        "due": q["due_at"],
        "paused": q.get("paused", False),
        "over_min": q.get("over_minutes"),
    }


def wall_store(c: Ctx, snap: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
    """What the browser needs to tick: both lists with due times, the open critical
    tickets, the as-of time and the labels."""
    return {
        "overdue": [_row(c, q) for q in snap["overdue"]],
        "overdue_count": snap["overdue_count"],
        "queue": [_row(c, q) for q in snap["queue"]],
        "queue_count": snap["queue_count"],
        "critical": [
            {
                "id": k["ticket_id"],
                "tier": t("short." + str(k["support_tier"]), c.lang),
                "created": k["created_at"],
                "due": k["due_at"],
            }
            for k in snap["critical"]
        ],
        "as_of": snap["as_of"] + "Z",
        "as_of_text": fmt.datetime_(info.get("as_of"), c.lang, c.tz),
        "stale_after_min": getattr(c.settings, "stale_after_minutes", 15),
        "tz": c.tz,
        "locale": "ru-RU" if c.lang == "ru" else "en-GB",
        "labels": {
            "stale": t("wall.stale_since", c.lang, age="{age}", since="{since}"),
            "overdue": t("wall.overdue_list", c.lang),
            "breached": t("wall.breached", c.lang),
            "queue": t("wall.queue", c.lang),
            "more": t("wall.more", c.lang, n="{n}"),
            "overdue_none": t("wall.overdue_none", c.lang),
            "empty": t("wall.queue_empty", c.lang),
            "lost": t("wall.connection_lost", c.lang),
            "paused": i18n.label("outcome", "paused", c.lang),
            "age": t("wall.age", c.lang),
            "next": t("wall.next_clock", c.lang),
            "no_clock": t("wall.no_clock", c.lang),
            "none_critical": t("wall.no_critical", c.lang),
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
        return [msg], {"labels": {"empty": ""}, "as_of": None}
    except data.MissingMart as exc:
        msg = html.Div(
            t("empty.no_table", c.lang, table=exc.table), className="wall-tile wall-warn wall-empty"
        )
        return [msg], {"labels": {"empty": ""}, "as_of": None}
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
                    html.Div(
                        [
                            html.Span(t("asof.label", c.lang), className="wall-asof-label"),
                            html.Span(store.get("as_of_text", ""), id="wall-asof-time"),
                        ],
                        id="wall-asof",
                        className="wall-asof",
                    ),
                    # The room's clock, ticked by the browser in the warehouse's time zone.
                    html.Div(id="wall-clock", className="wall-clock"),
                ],
                className="wall-head",
            ),
            html.Div(
                [
                    html.Div(tiles, id="wall-tiles", className="wall-tiles"),
                    # The open critical tickets (id, age, clock nearest breach) lie over
                    # the critical tile but outside the refreshed tiles: the browser
                    # ticks them, a refresh never blanks them.
                    html.Div(id="wall-critical-list", className="wall-sub wall-critical-list"),
                ],
                className="wall-top",
            ),
            html.Div(
                [
                    html.Div(id="wall-overdue", className="wall-tile wall-list wall-list-overdue"),
                    html.Div(id="wall-queue", className="wall-tile wall-list wall-list-queue"),
                ],
                className="wall-lists",
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
    Output("wall-overdue", "children"),
    Output("wall-queue", "children"),
    Output("wall-critical-list", "children"),
    Output("wall-clock", "children"),
    Output("wall-asof-time", "children"),
    Output("wall-stale", "children"),
    Output("wall-conn", "children"),
    Output("wall", "className"),
    Input("wall-tick", "n_intervals"),
    Input("wall-data", "data"),
    State("wall-seen", "data"),
)
