"""`pulse build --engine spark`'s steps that need no Java: the Parquet export of the
landing database, the assembly of the marts Spark wrote into a DuckDB file, and the
one-sentence refusal when the Spark stack is missing.

The Spark run itself is proven equal to DuckDB's in tests/test_spark_parity.py.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.conftest import make_settings
from warehouse.cli import build_parser
from warehouse.core.errors import PulseError
from warehouse.pipeline.spark_build import assemble, export_raw, require_spark, spark_dir


def test_export_writes_every_raw_table_as_parquet(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    con = duckdb.connect(str(settings.landing_path))
    con.execute("create schema raw")
    con.execute("create table raw.tickets (ticket_id varchar, created_at timestamp)")
    con.execute(
        "insert into raw.tickets values ('T-1', '2025-01-02 03:04:05.678901'), ('T-2', null)"
    )
    # a name needing quotes, and a table outside raw that must not be exported
    con.execute('create table raw."odd name" (n integer)')
    con.execute('insert into raw."odd name" values (7)')
    con.execute("create table main.scratch (n integer)")
    con.close()

    assert export_raw(settings) == ["odd name", "tickets"]

    out = spark_dir(settings) / "raw"
    assert sorted(p.name for p in out.iterdir()) == ["odd name.parquet", "tickets.parquet"]
    rows = duckdb.sql(
        f"select * from read_parquet('{out / 'tickets.parquet'}') order by ticket_id"
    ).fetchall()
    assert rows == [("T-1", datetime(2025, 1, 2, 3, 4, 5, 678901)), ("T-2", None)]
    assert duckdb.sql(f"select n from read_parquet('{out / 'odd name.parquet'}')").fetchall() == [
        (7,)
    ]


def test_missing_spark_engine_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` now fails
    with pytest.raises(PulseError, match=r"is missing\): run `make install-spark`"):
        require_spark()


def test_build_takes_an_engine() -> None:
    parser = build_parser()
    assert parser.parse_args(["build"]).engine == "duckdb"
    assert parser.parse_args(["build", "--engine", "spark"]).engine == "spark"


def test_assemble_copies_the_marts_spark_wrote_under_its_main_database(tmp_path: Path) -> None:
    """Spark keeps schema main's tables in `<warehouse>/main.db/<table>/part-*.parquet`;
    the other schemas (staging, intermediate, reference) are not published."""
    settings = make_settings(tmp_path)
    warehouse = spark_dir(settings) / "warehouse"
    for schema, table, rows in (
        ("main", "fct_tickets", "select 'T-1' as ticket_id, 2 as reopen_count"),
        ("main", "dim_team", "select 'TM1' as team_id"),
        ("intermediate", "int_ticket_milestones", "select 1 as n"),
    ):
        folder = warehouse / f"{schema}.db" / table
        folder.mkdir(parents=True)
        duckdb.sql(f"copy ({rows}) to '{folder / 'part-00000.parquet'}' (format parquet)")

    built = tmp_path / "next.duckdb"
    assert assemble(settings, built) == ["dim_team", "fct_tickets"]

    con = duckdb.connect(str(built), read_only=True)
    assert con.execute("select * from main.fct_tickets").fetchall() == [("T-1", 2)]
    assert con.execute(
        "select table_schema, table_name from information_schema.tables order by table_name"
    ).fetchall() == [("main", "dim_team"), ("main", "fct_tickets")]
    con.close()
