"""One ticket (`/ticket/<id>`): facts, its SLA clocks (running with a live countdown,
paused, met, breached) and the event timeline (or its key moments when the warehouse
holds no event detail). Engineer names appear only where the viewer may see them."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, clientside_callback, dcc, html

from dashboard import data, i18n
from dashboard import formatting as fmt
from dashboard.components import card, ctx, define, empty_state, guard, shell, status_pill
from dashboard.i18n import t

dash.register_page(
    __name__, path_template="/ticket/<ticket_id>", title="Support Pulse · Ticket", name="Ticket"
)


def clock_state(row: dict[str, Any]) -> str:
    """met / breached / pending (running) / paused, for display (pure)."""
    outcome = row.get("outcome")
    if outcome in ("met", "breached"):
        return outcome
    if row.get("due_at") is None:
        return "paused"
    return "pending"


def clock_store(clocks: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """What the browser needs to tick the running clocks each second."""
    items = []
    for row in clocks:
        state = clock_state(row)
        running = row.get("completed_at") is None and row.get("due_at") is not None
        static = ""
        if state == "paused":
            static = "‖ " + i18n.label("outcome", "paused", lang)
        elif not running:
            static = (
                fmt.clock_duration(row.get("elapsed_minutes"), row.get("clock"), lang)
                + " / "
                + fmt.clock_duration(row.get("target_minutes"), row.get("clock"), lang)
            )
        items.append(
            {
                "due": row["due_at"].replace(tzinfo=UTC).isoformat() if row.get("due_at") else None,
                "running": running,
                "static": static,
            }
        )
    return {
        "items": items,
        "remaining": t("tkt.remaining", lang),
        "overdue": t("tkt.overdue", lang),
        "labels": {"d": "д" if lang == "ru" else "d"},
    }


def timeline(detail: dict[str, Any], lang: str, tz: str) -> list[html.Li]:
    events = detail.get("events")
    items: list[html.Li] = []
    if events is not None and events.height:
        tk = detail["ticket"]
        rows = events.to_dicts()
        # Key moments the status history does not show as such.
        for when, kind, who in (
            (tk.get("first_response_at"), "first_response", tk.get("first_responder_name")),
        ):
            if when is not None:
                rows.append(
                    {"event_at": when, "event_type": kind, "actor_name": who, "actor_role": "agent"}
                )
        rows.sort(key=lambda e: e["event_at"])
        for e in rows:
            what = i18n.label("ev", e["event_type"], lang)
            if e["event_type"] != "created" and (e.get("from_value") or e.get("to_value")):
                what += f": {e.get('from_value') or '∅'} → {e.get('to_value') or '∅'}"
            who = i18n.label("role", e.get("actor_role"), lang) if e.get("actor_role") else ""
            if e.get("actor_name"):
                who = f"{who} {e['actor_name']}"
            vis = ""
            if e["event_type"] == "comment" and e.get("is_public") is not None:
                vis = f" ({t('ev.public', lang) if e['is_public'] else t('ev.private', lang)})"
            clock = ""
            if e.get("clock_running") is not None:
                clock = " · " + (
                    t("tkt.clock_runs", lang)
                    if e["clock_running"]
                    else "‖ " + t("tkt.clock_paused", lang)
                )
            items.append(
                html.Li(
                    [
                        html.Span(fmt.datetime_(e["event_at"], lang, tz), className="ev-time"),
                        html.B(what),
                        f" · {who}{vis}" if who or vis else "",
                        html.Span(clock, className="muted") if clock else "",
                    ]
                )
            )
        return items
    tk = detail["ticket"]
    moments = [
        (tk.get("created_at"), t("ev.created", lang), ""),
        (
            tk.get("first_response_at"),
            t("ev.first_response", lang),
            tk.get("first_responder_name") or "",
        ),
        (tk.get("solved_at"), t("ev.solved", lang), tk.get("solver_name") or ""),
    ]
    for when, what, who in moments:
        if when is not None:
            items.append(
                html.Li(
                    [
                        html.Span(fmt.datetime_(when, lang, tz), className="ev-time"),
                        html.B(what),
                        f" · {who}" if who else "",
                    ]
                )
            )
    return items


def _minutes(value: float | None, lang: str) -> str | None:
    """Agent-work / requester-wait minutes as a duration (absent in older warehouses)."""
    return None if value is None else fmt.duration(value, lang)


def layout(ticket_id: str | None = None, lang: str | None = None, **_: Any) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {"title": t("tkt.title", c.lang, id=ticket_id)}

    def build() -> Any:
        holder["info"] = data.build_info(c.settings, c.viewer)
        detail = data.ticket_detail(c.settings, c.viewer, str(ticket_id))
        if not detail.get("found"):
            return empty_state(t("tkt.not_found", c.lang, id=ticket_id), kind="filter")
        tk = detail["ticket"]
        status = tk.get("status") or (t("eng.open", c.lang) if tk.get("is_open") else "solved")
        facts = [
            (t("tkt.account", c.lang), tk.get("account_name") or tk.get("account_id")),
            (t("col.tier", c.lang), i18n.label("tier", tk.get("support_tier"), c.lang)),
            (t("col.priority", c.lang), i18n.label("prio", tk.get("priority"), c.lang)),
            (t("col.area", c.lang), tk.get("product_area")),
            (t("col.channel", c.lang), tk.get("channel")),
            (t("col.created", c.lang), fmt.datetime_(tk.get("created_at"), c.lang, c.tz)),
            (t("tkt.status", c.lang), status),
            (
                t("tkt.first_responder", c.lang),
                tk.get("first_responder_name")
                or (t("tkt.hidden", c.lang) if tk.get("first_response_at") else fmt.DASH),
            ),
            (
                t("tkt.solver", c.lang),
                tk.get("solver_name")
                or (t("tkt.hidden", c.lang) if tk.get("solved_at") else fmt.DASH),
            ),
            (t("tkt.agent_work", c.lang), _minutes(tk.get("agent_work_minutes"), c.lang)),
            (t("tkt.requester_wait", c.lang), _minutes(tk.get("requester_wait_minutes"), c.lang)),
            (t("tkt.reopens", c.lang), tk.get("reopen_count")),
            (t("tkt.escalations", c.lang), tk.get("escalation_count")),
        ]
        subject = tk.get("subject")
        fact_divs = [
            html.Div([html.Span(k), str(v) if v is not None else fmt.DASH]) for k, v in facts
        ]
        clocks = detail["clocks"].to_dicts()
        store = clock_store(clocks, c.lang)
        clock_cards = []
        for i, row in enumerate(clocks):
            state = clock_state(row)
            lines = [
                html.Div(
                    [
                        html.B(i18n.label("metric", row["metric"], c.lang)),
                        " ",
                        status_pill(state, c.lang, kind="outcome"),
                    ],
                    className="kr-head",
                ),
                html.Div(
                    id={"type": "tkt-cd", "i": i},
                    className="countdown" + (" overdue" if state == "breached" else ""),
                ),
                html.Div(
                    f"{t('col.target', c.lang)}: "
                    f"{fmt.clock_duration(row.get('target_minutes'), row.get('clock'), c.lang)} "
                    f"({t('tkt.clock_' + str(row.get('clock') or 'calendar'), c.lang)})"
                ),
                html.Div(
                    t("col.elapsed", c.lang)
                    + ": "
                    + fmt.clock_duration(row.get("elapsed_minutes"), row.get("clock"), c.lang)
                ),
                html.Div(
                    f"{t('col.due', c.lang)}: {fmt.datetime_(row.get('due_at'), c.lang, c.tz)}"
                ),
            ]
            if row.get("completed_at") is not None:
                lines.append(
                    html.Div(
                        f"{t('tkt.completed', c.lang)}: "
                        f"{fmt.datetime_(row['completed_at'], c.lang, c.tz)}"
                    )
                )
            clock_cards.append(html.Div(lines, className="clock", id=f"clock-{row['metric']}"))
        clocks_body: Any = (
            html.Div(clock_cards, className="clocks")
            if clock_cards
            else html.P(t("tkt.no_target", c.lang), className="hint")
        )
        tl = timeline(detail, c.lang, c.tz)
        tl_note = (
            []
            if detail.get("events") is not None
            else [html.P(t("tkt.no_events", c.lang), className="hint")]
        )
        return html.Div(
            [
                dcc.Store(id="tkt-clocks", data=store),
                dcc.Interval(id="tkt-tick", interval=1000),
                card(
                    t("tkt.facts", c.lang),
                    [
                        html.P(
                            [
                                html.Span(t("tkt.subject", c.lang) + ": ", className="muted"),
                                subject,
                            ],
                        )
                        if subject
                        else "",
                        html.Div(fact_divs, className="facts"),
                    ],
                ),
                card(
                    t("tkt.clocks", c.lang),
                    clocks_body,
                    definition=define(c, "sla_compliance"),
                ),
                card(
                    t("tkt.timeline", c.lang),
                    [*tl_note, html.Ul(tl, className="timeline", id="timeline")],
                ),
            ]
        )

    content = guard(c, build)
    return shell("sla", c.lang, holder.get("info"), c.tz, holder["title"], content)


clientside_callback(
    ClientsideFunction(namespace="pulse", function_name="ticketTick"),
    Output({"type": "tkt-cd", "i": dash.ALL}, "children"),
    Input("tkt-tick", "n_intervals"),
    Input("tkt-clocks", "data"),
)
