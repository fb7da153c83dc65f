"""The same dbt project on DuckDB and on local Apache Spark gives the same marts (issue 18).

Two extracts go through `pulse load`, then `pulse build` (DuckDB, the whole project)
and `pulse build --engine spark` (dbt-spark, `method: session`, restricted to the
four marts compared and their ancestors, without data tests, to stay within a few
minutes: on local Spark every node costs a second or more). fct_sla_outcomes,
fct_tickets, fct_sla_daily and fct_okr_progress must then be equal row for row:
exact for ids, outcomes, text, dates and timestamps, within 1e-6 for floats.

- the SLA end-to-end extract (tests/data/sla_extract): the hand-worked clocks, time
  zones, holidays, business hours and priority changes of test_sla_end_to_end;
- a small generated extract (two weeks at demo scale): volume and variety.

Each Spark build starts its own JVM (a child process, as `pulse build` does); both
builds run in this module's fixtures once. `make test` installs Java and the Spark
extra first (`make install-spark`); `make test-spark` runs these tests alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

pytest.importorskip("pyspark", reason="the Spark engine is not installed: make install-spark")

from tests.conftest import make_settings
from warehouse.core.settings import Settings
from warehouse.pipeline.build import build
from warehouse.pipeline.load import load
from warehouse.pipeline.spark_build import build_spark, spark_dir

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SLA_EXTRACT = Path(__file__).parent / "data" / "sla_extract"
SLA_AS_OF = datetime(2025, 4, 2, 12, 0, tzinfo=UTC)  # as in test_sla_end_to_end
GENERATED_START = date(2025, 3, 17)
GENERATED_END = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
PARITY_MARTS = ("fct_sla_outcomes", "fct_tickets", "fct_sla_daily", "fct_okr_progress")
FLOAT_TOLERANCE = 1e-6


def _land(settings: Settings, raw_dir: Path) -> None:
    summary = load(settings, raw_dir, echo=lambda _: None)
    assert not summary.failed_files, summary.failed_files


def _build_both(settings: Settings, as_of: datetime) -> tuple[Path, Path]:
    """DuckDB's published warehouse, then Spark's, as two files of the same data dir."""
    build(settings, as_of=as_of, full_refresh=True)
    duckdb_copy = settings.data_dir / "duckdb-warehouse.duckdb"
    settings.warehouse_path.rename(duckdb_copy)
    build_spark(settings, as_of=as_of, models=PARITY_MARTS)
    return duckdb_copy, settings.warehouse_path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The builds run from an empty working directory, to see what Spark leaves there."""
    cwd = tmp_path_factory.mktemp("spark-cwd")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        yield cwd


@pytest.fixture(scope="module")
def sla_builds(workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    settings = make_settings(tmp_path_factory.mktemp("parity-sla"))
    _land(settings, SLA_EXTRACT)
    return _build_both(settings, SLA_AS_OF)


@pytest.fixture(scope="module")
def generated_builds(workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from warehouse.demo.generate import generate

    settings = make_settings(tmp_path_factory.mktemp("parity-generated"))
    generate(
        settings.raw_dir,
        start=GENERATED_START,
        end=GENERATED_END,
        scale="demo",
        seed=11,
        verbose=False,
    )
    _land(settings, settings.raw_dir)
    return _build_both(settings, GENERATED_END)


def _rows(warehouse: Path, mart: str) -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        result = con.execute(f"select * from main.{mart}")
        columns = [d[0] for d in result.description]
        rows = result.fetchall()
    finally:
        con.close()
    return columns, sorted(rows, key=_sort_key)


def _sort_key(row: tuple) -> list[tuple[bool, str]]:
    """A total order on any row (None first), the same for both engines' values: numbers
    by their value to 4 places, since a float may differ in its last bits and one
    engine may give a decimal where the other gives a double."""
    return [
        (v is not None, f"{float(v):020.4f}" if isinstance(v, float | Decimal) else str(v))
        for v in row
    ]


def _equal(want: object, have: object) -> bool:
    if isinstance(want, float | Decimal) or isinstance(have, float | Decimal):
        if want is None or have is None:
            return want is have
        return math.isclose(float(want), float(have), rel_tol=0, abs_tol=FLOAT_TOLERANCE)
    return want == have


def _assert_same_mart(builds: tuple[Path, Path], mart: str) -> int:
    on_duckdb, on_spark = builds
    columns, want = _rows(on_duckdb, mart)
    spark_columns, have = _rows(on_spark, mart)
    assert spark_columns == columns, f"{mart}: columns differ"
    assert len(have) == len(want), f"{mart}: {len(want)} rows on DuckDB, {len(have)} on Spark"
    for duck_row, spark_row in zip(want, have, strict=True):
        differing = [
            f"{name}: duckdb {a!r} spark {b!r}"
            for name, a, b in zip(columns, duck_row, spark_row, strict=True)
            if not _equal(a, b)
        ]
        assert not differing, f"{mart} row {duck_row[:3]}: " + "; ".join(differing)
    return len(want)


@pytest.mark.parametrize("mart", PARITY_MARTS)
def test_sla_extract_marts_equal_on_both_engines(sla_builds: tuple[Path, Path], mart: str) -> None:
    assert _assert_same_mart(sla_builds, mart) > 0


@pytest.mark.parametrize("mart", PARITY_MARTS)
def test_generated_extract_marts_equal_on_both_engines(
    generated_builds: tuple[Path, Path], mart: str
) -> None:
    assert _assert_same_mart(generated_builds, mart) > 0


def test_sla_outcomes_on_spark_keep_the_hand_worked_values(sla_builds: tuple[Path, Path]) -> None:
    """Not only equal to DuckDB: two rows of test_sla_end_to_end's hand-worked table."""
    con = duckdb.connect(str(sla_builds[1]), read_only=True)
    rows = con.execute(
        "select ticket_id, metric, round(elapsed_minutes, 3), outcome from main.fct_sla_outcomes "
        "where ticket_id in ('T06', 'T13') and metric = 'resolution' order by ticket_id"
    ).fetchall()
    con.close()
    # T06: Friday 17:00 to Monday 10:00 is 120 business minutes, 300 in all; T13: the
    # New Year holidays skipped, 540 + 180 business minutes
    assert [(t, m, float(e), o) for t, m, e, o in rows] == [
        ("T06", "resolution", 300.0, "met"),
        ("T13", "resolution", 720.0, "met"),
    ]


def test_spark_leaves_nothing_in_the_working_directory(
    sla_builds: tuple[Path, Path], generated_builds: tuple[Path, Path], workdir: Path
) -> None:
    assert sorted(p.name for p in workdir.iterdir()) == []
    for builds in (sla_builds, generated_builds):
        base = spark_dir(make_settings(builds[1].parent))
        assert (base / "metastore_db").is_dir()
        assert (base / "derby.log").is_file()
        assert (base / "warehouse" / "main.db" / "fct_sla_outcomes").is_dir()
