"""Who may see which engineer: the scope of a viewer, applied where the data is read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from dashboard.data.connection import Session, _has_table


class Forbidden(Exception):
    """The viewer may not see what was asked for."""


@dataclass(frozen=True)
class Scope:
    """The part of a viewer that changes query results (goes into cache keys)."""

    role: str
    engineer_id: str | None
    team_ids: tuple[str, ...]

    def key(self) -> str:
        return f"{self.role}|{self.engineer_id or ''}|{','.join(self.team_ids)}"


def scope_of(viewer: Any) -> Scope:
    role = str(getattr(viewer, "role", "wall") or "wall")
    engineer_id = getattr(viewer, "engineer_id", None)
    team_ids = tuple(sorted(str(t) for t in (getattr(viewer, "team_ids", None) or ())))
    return Scope(role, None if engineer_id is None else str(engineer_id), team_ids)


def can_see_engineer(viewer: Any, engineer_id: object, team_id: object) -> bool:
    """May this viewer see this engineer's own numbers and name? (DESIGN s8)."""
    try:
        from dashboard import auth
    except ImportError:
        auth = None  # type: ignore[assignment]
    if auth is not None and hasattr(auth, "can_see_engineer") and hasattr(viewer, "username"):
        return bool(
            auth.can_see_engineer(
                viewer,
                None if engineer_id is None else str(engineer_id),
                None if team_id is None else str(team_id),
            )
        )
    s = scope_of(viewer)
    if s.role == "vp":
        return True
    if s.role == "lead":
        return team_id is not None and str(team_id) in s.team_ids
    if s.role == "engineer":
        return engineer_id is not None and str(engineer_id) == s.engineer_id
    return False


def may_see_names(viewer: Any) -> bool:
    return scope_of(viewer).role != "wall"


def _visible_engineer_ids(con: duckdb.DuckDBPyConnection, viewer: Any) -> set[str] | None:
    """Engineer ids whose personal numbers the viewer may see; None means all."""
    s = scope_of(viewer)
    if s.role == "vp":
        return None
    if s.role == "engineer":
        return {s.engineer_id} if s.engineer_id else set()
    if s.role == "lead" and s.team_ids:
        rows = con.execute(
            "select cast(engineer_id as varchar) from main.dim_engineer "
            "where cast(team_id as varchar) in (select unnest(?))",
            [list(s.team_ids)],
        ).fetchall()
        return {r[0] for r in rows}
    return set()


def _engineer_names(sess: Session, viewer: Any) -> dict[str, str]:
    """engineer_id -> name for the engineers this viewer may see by name."""
    if not may_see_names(viewer) or not _has_table(sess, "dim_engineer"):
        return {}
    visible = _visible_engineer_ids(sess.con, viewer)
    rows = sess.con.execute(
        "select cast(engineer_id as varchar), full_name from main.dim_engineer"
    ).fetchall()
    return {r[0]: r[1] for r in rows if visible is None or r[0] in visible}
