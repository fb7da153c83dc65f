"""Which engineers a viewer may see, read from `dim_engineer` with the rules of
`dashboard.access` (the one module that owns them; nothing here decides a rule)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from dashboard import access
from dashboard.data.connection import Session, _has_table


class Forbidden(Exception):
    """The viewer may not see what was asked for."""


@dataclass(frozen=True)
class Scope:
    """A viewer reduced to what changes query results (role, engineer, teams), for
    callers outside a request that have no `access.Viewer` (the screenshot harness).
    The rules applied to it are `dashboard.access`'s, like for any viewer."""

    role: str
    engineer_id: str | None
    team_ids: tuple[str, ...]


def _visible_engineer_ids(con: duckdb.DuckDBPyConnection, viewer: Any) -> set[str] | None:
    """Engineer ids whose personal numbers the viewer may see; None means all.

    The rule is `access.can_see_engineer`, applied to every engineer's (id, team).
    """
    if access.sees_everyone(viewer):
        return None
    rows = con.execute(
        "select cast(engineer_id as varchar), cast(team_id as varchar) from main.dim_engineer"
    ).fetchall()
    return access.visible_engineer_ids(viewer, rows)


def _engineer_names(sess: Session, viewer: Any) -> dict[str, str]:
    """engineer_id -> name for the engineers this viewer may see by name."""
    if not access.sees_names(viewer) or not _has_table(sess, "dim_engineer"):
        return {}
    visible = _visible_engineer_ids(sess.con, viewer)
    rows = sess.con.execute(
        "select cast(engineer_id as varchar), full_name from main.dim_engineer"
    ).fetchall()
    return {r[0]: r[1] for r in rows if visible is None or r[0] in visible}
