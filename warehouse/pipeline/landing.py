"""The landing database: its `raw` schema and the tables the loader writes.

Only `pulse load` writes this file; `pulse build` attaches it read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.core.contract import ENTITIES, MANIFEST_DDL, REJECTS_DDL, raw_table_ddl


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and every table in it, if missing (idempotent)."""
    con.execute("create schema if not exists raw")
    for entity in ENTITIES.values():
        con.execute(raw_table_ddl(entity))
    con.execute(MANIFEST_DDL)
    con.execute(REJECTS_DDL)


def open_landing(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the landing database with its raw schema in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    create_raw_schema(con)
    return con
