"""The ticket page's pure pieces: SLA clock states and texts, and the event timeline.

Kept apart from the page module (which registers a Dash page) so they are plain
functions of their inputs, testable without an app.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from dash import html

from dashboard import formatting as fmt
from dashboard import i18n
from dashboard.i18n import t


def clock_state(row: dict[str, Any]) -> str:
    """met / breached once the clock stopped; paused / running (pending) while open (pure).

    An open clock past its target is breached whether it runs or waits on the customer;
    the page says "paused" beside it (`is_paused`) and freezes its overdue amount.
    """
    outcome = row.get("outcome")
    if row.get("completed_at") is not None or outcome == "breached":
        return outcome or "pending"
    if row.get("is_paused") or row.get("due_at") is None:
        return "paused"
    return "pending"


def _frozen_text(row: dict[str, Any], lang: str) -> str:
    """A paused clock's standing, frozen: elapsed of target, or how far over it went."""
    elapsed, target = row.get("elapsed_minutes"), row.get("target_minutes")
    clock = row.get("clock")
    if elapsed is not None and target is not None and elapsed > target:
        over = fmt.clock_duration(elapsed - target, clock, lang)
        return t("tkt.paused_over", lang, amount=over)
    amount = (
        f"{fmt.clock_duration(elapsed, clock, lang)} / {fmt.clock_duration(target, clock, lang)}"
    )
    return t("tkt.paused_at", lang, amount=amount)


def clock_store(clocks: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """What the browser needs to tick the running clocks each second; paused and stopped
    clocks carry a fixed text instead of a due time."""
    items = []
    for row in clocks:
        running = (
            row.get("completed_at") is None
            and not row.get("is_paused")
            and row.get("due_at") is not None
        )
        static = ""
        if not running:
            if row.get("completed_at") is None:
                static = _frozen_text(row, lang)
            else:
                static = (
                    fmt.clock_duration(row.get("elapsed_minutes"), row.get("clock"), lang)
                    + " / "
                    + fmt.clock_duration(row.get("target_minutes"), row.get("clock"), lang)
                )
        items.append(
            {
                "due": row["due_at"].replace(tzinfo=UTC).isoformat()
                if running and row.get("due_at")
                else None,
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


def _value(event_type: str, value: Any, lang: str) -> str:
    """An event's from/to value in the reader's language (statuses, groups, priorities)."""
    if value is None:
        return "∅"
    kind = {"status_changed": "tstatus", "group_changed": "group", "priority_changed": "prio"}
    if event_type == "assigned":
        return str(value)
    return i18n.label(kind.get(event_type, "tstatus"), str(value).lower(), lang)


CLOCK_TEXT = {"running": "tkt.clock_runs", "paused": "tkt.clock_paused"}


def timeline(detail: dict[str, Any], lang: str, tz: str) -> list[html.Li]:
    """Every event of the ticket, oldest first: what changed (from -> to), who did it,
    public or internal for comments, and where the resolution clock stood after it."""
    events = detail.get("events")
    items: list[html.Li] = []
    if events is not None and events.height:
        first_response = detail["ticket"].get("first_response_at")
        for e in events.to_dicts():
            kind = e["event_type"]
            what: list[Any] = [html.B(i18n.label("ev", kind, lang))]
            if kind == "comment" and first_response is not None and e["event_at"] == first_response:
                what.append(f" ({t('ev.first_response', lang).lower()})")
            if kind != "created" and (e.get("from_value") or e.get("to_value")):
                hidden = t("tkt.hidden", lang) if kind == "assigned" else "∅"
                frm = _value(kind, e.get("from_value"), lang) if e.get("from_value") else hidden
                to = _value(kind, e.get("to_value"), lang) if e.get("to_value") else hidden
                if kind == "assigned" and not e.get("from_value"):
                    what.append(f": {to}")
                else:
                    what.append(f": {frm} → {to}")
            who = i18n.label("role", e.get("actor_role"), lang) if e.get("actor_role") else ""
            if e.get("actor_name"):
                who = f"{who} {e['actor_name']}"
            vis = ""
            if kind == "comment" and e.get("is_public") is not None:
                vis = t("ev.public", lang) if e["is_public"] else t("ev.private", lang)
            state = e.get("clock_state")
            clock = t(CLOCK_TEXT.get(state, "tkt.clock_stopped"), lang) if state else ""
            if state == "paused":
                clock = "‖ " + clock
            items.append(
                html.Li(
                    [
                        html.Span(fmt.datetime_(e["event_at"], lang, tz), className="ev-time"),
                        *what,
                        f" · {who}" if who else "",
                        html.Span(
                            f" · {vis}",
                            className=f"ev-vis ev-{'public' if e['is_public'] else 'private'}",
                        )
                        if vis
                        else "",
                        html.Span(f" · {clock}", className="muted ev-clock") if clock else "",
                    ],
                    className=f"ev ev-{kind}",
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
