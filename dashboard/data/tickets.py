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
            "outcome, outcome_at, is_paused, cast(engineer_id as varchar) as engineer_id "
            "from main.fct_sla_outcomes where cast(ticket_id as varchar) = ? order by metric",
            [ticket_id],
        )
        # Every event with the ticket's state after it (group, assignee, status and
        # where the resolution clock stands), as the event mart publishes it.
        events = _df(
            sess,
            "select event_id, event_at, event_type, actor_role, "
            "cast(actor_id as varchar) as actor_id, is_public, from_value, to_value, "
            "group_after, cast(assignee_after as varchar) as assignee_after, "
            "status_after, clock_state from main.fct_ticket_events "
            "where cast(ticket_id as varchar) = ? order by event_number",
            [ticket_id],
        )
        names = _engineer_names(sess, viewer)
        if events.height:
            # An assignment's from/to are engineer ids: a name where the viewer may see
            # it, nothing otherwise (the page then says "hidden").
            assigned = pl.col("event_type") == "assigned"
            events = events.with_columns(
                pl.col("actor_id").replace_strict(names, default=None).alias("actor_name"),
                pl.when(assigned)
                .then(pl.col("from_value").replace_strict(names, default=None))
                .otherwise(pl.col("from_value"))
                .alias("from_value"),
                pl.when(assigned)
                .then(pl.col("to_value").replace_strict(names, default=None))
                .otherwise(pl.col("to_value"))
                .alias("to_value"),
                pl.col("assignee_after").replace_strict(names, default=None),
            ).drop("actor_id")
        # Engineers the viewer may see get a name and a link; the others neither.
        links = {}
        for role in ("solver", "first_responder", "assignee"):
            eid = str(ticket.pop(f"{role}_id", None))
            ticket[f"{role}_name"] = names.get(eid)
            if eid in names:
                links[role] = eid
        ticket["engineer_links"] = links
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


# The relation that holds each id a detail page is addressed by.
_ID_TABLES = {"ticket": "main.fct_tickets", "engineer": "main.dim_engineer"}


def entity_exists(settings: Any, kind: str, entity_id: str) -> bool:
    """Whether a ticket or engineer id is in the warehouse (for the page's HTTP status).

    Says nothing about access: a forbidden engineer still exists, and the page itself
    shows the "no access" state.
    """
    table = _ID_TABLES[kind]

    def q(sess: Session) -> bool:
        row = sess.con.execute(
            f"select count(*) from {table} where cast({kind}_id as varchar) = ?", [entity_id]
        ).fetchone()
        return bool(row and row[0])

    return _run(settings, "entity_exists", (kind, entity_id), "any", q)
