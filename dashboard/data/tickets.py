"""One ticket's detail: its events and SLA clocks."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard import access
from dashboard.data.connection import Session, _df, _run
from dashboard.data.visibility import _engineer_names


def ticket_detail(settings: Any, viewer: Any, ticket_id: str) -> dict[str, Any]:
    """A ticket, its SLA clocks and its event timeline (actors named only when allowed)."""

    def q(sess: Session) -> dict[str, Any]:
        t = _df(
            sess,
            "select t.*, a.account_name from main.fct_tickets t "
            "left join main.dim_account a on a.account_id = t.account_id "
            "where cast(t.ticket_id as varchar) = ?",
            [ticket_id],
        )
        if t.height == 0:
            return {"found": False}
        ticket = t.row(0, named=True)
        clocks = _df(
            sess,
            "select metric, clock, target_minutes, elapsed_minutes, due_at, completed_at, "
            "outcome, outcome_at, cast(engineer_id as varchar) as engineer_id "
            "from main.fct_sla_outcomes where cast(ticket_id as varchar) = ? order by metric",
            [ticket_id],
        )
        events = _df(
            sess,
            "select event_id, event_at, event_type, actor_role, "
            "cast(actor_id as varchar) as actor_id, is_public, from_value, to_value, "
            "clock_state = 'running' as clock_running from main.fct_ticket_events "
            "where cast(ticket_id as varchar) = ? order by event_at, event_number",
            [ticket_id],
        )
        names = _engineer_names(sess, viewer)
        events = events.with_columns(
            pl.col("actor_id").replace_strict(names, default=None).alias("actor_name")
        ).drop("actor_id")
        ticket["solver_name"] = names.get(str(ticket.get("solver_id")))
        ticket["first_responder_name"] = names.get(str(ticket.get("first_responder_id")))
        for key in ("solver_id", "first_responder_id", "assignee_id"):
            ticket.pop(key, None)
        if not access.sees_names(viewer):
            ticket.pop("account_name", None)
        clocks = clocks.drop("engineer_id")
        return {
            "found": True,
            "ticket": ticket,
            "clocks": clocks,
            "events": events,
            "as_of": sess.as_of,
        }

    return _run(settings, "ticket_detail", (ticket_id,), access.cache_scope(viewer), q)
