"""One ticket (`/ticket/<id>`): facts, its SLA clocks (running with a live countdown,
paused, met, breached) and the event timeline (or its key moments when the warehouse
holds no event detail). Engineer names appear only where the viewer may see them."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash
from dash import ClientsideFunction, Input, Output, clientside_callback, dcc, html

from dashboard import data, i18n
from dashboard import formatting as fmt
from dashboard.components import card, ctx, define, empty_state, guard, shell, status_pill
from dashboard.components.ticket_view import clock_state, clock_store, timeline
from dashboard.i18n import t

dash.register_page(
    __name__, path_template="/ticket/<ticket_id>", title="Support Pulse · Ticket", name="Ticket"
)


def _minutes(value: float | None, lang: str) -> str | None:
    """Agent-work / requester-wait minutes as a duration (absent in older warehouses)."""
    return None if value is None else fmt.duration(value, lang)


def _fact(value: Any) -> str:
    return fmt.DASH if value is None else str(value)


# Pages a ticket is opened from: the nav keeps that page highlighted (`?from=`).
CAME_FROM = {
    "sla": "sla",
    "teams": "teams",
    "engineer": "teams",
    "customers": "customers",
    "quality": "quality",
}


def layout(ticket_id: str | None = None, lang: str | None = None, **query: Any) -> html.Div:
    c = ctx(lang)
    came_from = CAME_FROM.get(str(query.get("from") or ""), "sla")
    holder: dict[str, Any] = {"title": t("tkt.title", c.lang, id=ticket_id)}

    def build() -> Any:
        holder["info"] = data.build_info(c.settings, c.viewer)
        detail = data.ticket_detail(c.settings, c.viewer, str(ticket_id))
        if not detail.get("found"):
            return empty_state(t("tkt.not_found", c.lang, id=ticket_id), kind="filter")
        tk = detail["ticket"]
        links = tk.get("engineer_links") or {}

        def engineer(role: str, happened: bool) -> Any:
            name = tk.get(f"{role}_name")
            if name and role in links:
                href = "/engineer/" + quote(links[role], safe="")
                return dcc.Link(name, href=href, id=f"tkt-{role}-link")
            return name or (t("tkt.hidden", c.lang) if happened else None)

        status = tk.get("status") or ("open" if tk.get("is_open") else "solved")
        account = tk.get("account_name") or tk.get("account_id")
        tier = tk.get("support_tier")
        facts = [
            (
                t("tkt.account", c.lang),
                html.Span(
                    [
                        str(account),
                        " · ",
                        dcc.Link(
                            t("tkt.account_slice", c.lang),
                            href=f"/customers?tier={quote(str(tier), safe='')}",
                            id="tkt-account-link",
                        ),
                    ]
                )
                if account and tier
                else account,
            ),
            (t("col.tier", c.lang), i18n.label("tier", tier, c.lang)),
            (t("col.priority", c.lang), i18n.label("prio", tk.get("priority"), c.lang)),
            (t("col.area", c.lang), i18n.label("area", tk.get("product_area"), c.lang)),
            (t("col.channel", c.lang), i18n.label("channel", tk.get("channel"), c.lang)),
            (t("col.created", c.lang), fmt.datetime_(tk.get("created_at"), c.lang, c.tz)),
            (t("tkt.status", c.lang), i18n.label("tstatus", status, c.lang)),
            (
                t("tkt.group", c.lang),
                i18n.label("group", tk.get("group_name"), c.lang) if tk.get("group_name") else None,
            ),
            (t("tkt.assignee", c.lang), engineer("assignee", True)),
            (
                t("tkt.first_responder", c.lang),
                engineer("first_responder", tk.get("first_response_at") is not None),
            ),
            (t("tkt.solver", c.lang), engineer("solver", tk.get("solved_at") is not None)),
            (t("tkt.agent_work", c.lang), _minutes(tk.get("agent_work_minutes"), c.lang)),
            (t("tkt.requester_wait", c.lang), _minutes(tk.get("requester_wait_minutes"), c.lang)),
            (t("tkt.reopens", c.lang), tk.get("reopen_count")),
            (t("tkt.escalations", c.lang), tk.get("escalation_count")),
        ]
        subject = tk.get("subject")
        fact_divs = [
            html.Div(
                [html.Span(k), v if isinstance(v, html.Span | dcc.Link) else _fact(v)],
            )
            for k, v in facts
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
                        " ",
                        status_pill("paused", c.lang, kind="outcome")
                        if state == "breached"
                        and row.get("completed_at") is None
                        and row.get("is_paused")
                        else "",
                    ],
                    className="kr-head",
                ),
                html.Div(
                    id={"type": "tkt-cd", "i": i},
                    className="countdown"
                    + (" overdue" if state == "breached" else "")
                    + (
                        " frozen"
                        if row.get("is_paused") and row.get("completed_at") is None
                        else ""
                    ),
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
    return shell(came_from, c.lang, holder.get("info"), c.tz, holder["title"], content)


clientside_callback(
    ClientsideFunction(namespace="pulse", function_name="ticketTick"),
    Output({"type": "tkt-cd", "i": dash.ALL}, "children"),
    Input("tkt-tick", "n_intervals"),
    Input("tkt-clocks", "data"),
)
