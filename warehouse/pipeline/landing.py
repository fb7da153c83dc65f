"""The landing database: its `raw` schema and the tables the loader writes.

Only `pulse load` writes this file; `pulse build` attaches it read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.core.contract import ENTITIES, MANIFEST_DDL, REJECTS_DDL, Entity, raw_table_ddl


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and every table in it, if missing (idempotent)."""
    con.execute("create schema if not exists raw")
    for entity in ENTITIES.values():
        con.execute(raw_table_ddl(entity))
        _add_new_contract_columns(con, entity)
    con.execute(MANIFEST_DDL)
    con.execute(REJECTS_DDL)


def _add_new_contract_columns(con: duckdb.DuckDBPyConnection, entity: Entity) -> None:
    """Add columns the contract gained since this landing database was created.

    Contract changes are additive (new optional columns), so an existing landing
    database keeps its rows and gains the column as NULL; inserts name their columns,
    so the position does not matter.
    """
    have = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?",
            [entity.name],
        ).fetchall()
    }
    for col in entity.columns:
        if col.name not in have:
            con.execute(f"alter table raw.{entity.name} add column {col.name} {col.duckdb_type}")


def open_landing(path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the landing database with its raw schema in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    create_raw_schema(con)
    return con
