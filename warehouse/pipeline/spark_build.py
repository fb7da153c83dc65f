"""`pulse build --engine spark`: the same dbt project on Apache Spark (docs/SPARK.md).

1. Export every table of the landing database's `raw` schema to one Parquet file
   (`data/spark/raw/<table>.parquet`): the loader keeps writing DuckDB, so Spark is an
   optional engine and not a second loader; the export is a plain `COPY`.
2. In one child process (`python -m warehouse.pipeline.spark_build`), so one JVM serves
   every step: register those files as Spark tables `raw.<table>` (what the sources
   resolve to on Spark), then `dbt build` (seeds, models, tests) with
   the `spark` target. The Spark warehouse, the Derby metastore and derby.log live
   under `data/spark/`, never in the working directory.
3. Assemble a DuckDB file from the marts' Parquet (schema `main`) and publish it with
   the DuckDB build's atomic rename, so the dashboard reads what it always reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings
from warehouse.pipeline.build import DBT_PROJECT_DIR, STAGES_LABEL, _publish

MARTS_SCHEMA = "main"


@dataclass(frozen=True)
class SparkBuildSummary:
    """What a Spark build did, for the CLI and the benchmark."""

    marts: list[str]
    stage_seconds: dict[str, float]
    published_path: Path


def spark_dir(settings: Settings) -> Path:
    """Everything Spark writes for this data directory (gitignored with data/)."""
    return settings.data_dir / "spark"


def spark_env(settings: Settings, as_of: datetime) -> dict[str, str]:
    """Environment of the Spark child: profiles.yml's `spark` target reads these."""
    base = spark_dir(settings)
    env = dict(os.environ)
    env.update(settings.to_env())
    env.update(
        {
            "PULSE_AS_OF": as_of.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "PULSE_SPARK_WAREHOUSE": str(base / "warehouse"),
            "PULSE_SPARK_METASTORE": str(base),
            "PULSE_SPARK_SCHEMA": MARTS_SCHEMA,
            "PULSE_SPARK_RAW_DIR": str(base / "raw"),
        }
    )
    return env


def require_spark() -> None:
    """Fail with one sentence when the optional Spark stack is missing."""
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise PulseError(
            f"the Spark engine is not installed ({exc.name} is missing): run `make install-spark`"
        ) from None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise PulseError(
            "Spark needs a Java runtime and none was found: run `make install-spark` "
            "(it installs OpenJDK 17 from Debian's packages)"
        )


def export_raw(settings: Settings) -> list[str]:
    """Write each landed raw table to `data/spark/raw/<table>.parquet`; returns the names."""
    out = spark_dir(settings) / "raw"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    con = duckdb.connect(str(settings.landing_path), read_only=True)
    try:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' order by table_name"
            ).fetchall()
        ]
        for name in names:
            # Names come from the catalog, not from an extract; quoted all the same.
            target = str(out / f"{name}.parquet").replace("'", "''")
            quoted = '"' + name.replace('"', '""') + '"'
            con.execute(f"copy raw.{quoted} to '{target}' (format parquet)")
    finally:
        con.close()
    return names


def assemble(settings: Settings, build_file: Path) -> list[str]:
    """Copy every mart Spark wrote (schema main) into a new DuckDB file; returns the names."""
    # Spark keeps a database's managed tables under `<warehouse>/<database>.db/<table>/`.
    marts_dir = spark_dir(settings) / "warehouse" / f"{MARTS_SCHEMA}.db"
    tables = sorted(path for path in marts_dir.iterdir() if path.is_dir())
    build_file.unlink(missing_ok=True)
    con = duckdb.connect(str(build_file))
    try:
        for path in tables:
            pattern = str(path / "*.parquet").replace("'", "''")
            quoted = '"' + path.name.replace('"', '""') + '"'
            con.execute(f"create table main.{quoted} as select * from read_parquet('{pattern}')")
    finally:
        con.close()
    return [path.name for path in tables]


def build_spark(
    settings: Settings, *, as_of: datetime | None, models: Sequence[str] = ()
) -> SparkBuildSummary:
    """Export, run dbt on Spark, assemble and publish; raise PulseError on any failure.

    `models`: build only these models and their ancestors, without data tests (the
    parity test's shortcut: on local Spark every node costs a second or more, and the
    parity marts need a quarter of the project); empty, the whole project with its
    data tests, which is what `pulse build --engine spark` runs.
    """
    require_spark()
    as_of = as_of or datetime.now(UTC)
    stages: dict[str, float] = {}
    clock = time.monotonic()
    names = export_raw(settings)
    stages["export"] = time.monotonic() - clock
    base = spark_dir(settings)
    shutil.rmtree(base / "warehouse", ignore_errors=True)
    shutil.rmtree(base / "metastore_db", ignore_errors=True)
    clock = time.monotonic()
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "warehouse.pipeline.spark_build",
            json.dumps({"tables": names, "models": list(models)}),
        ],
        env=spark_env(settings, as_of),
        cwd=base,  # whatever Spark still drops in its working directory stays here
        check=False,
    )
    stages["dbt"] = time.monotonic() - clock
    if child.returncode != 0:
        raise PulseError(
            f"the Spark build failed (dbt exited with status {child.returncode}); the "
            f"published warehouse is unchanged — see {base / 'dbt' / 'logs' / 'dbt.log'}"
        )
    clock = time.monotonic()
    settings.builds_dir.mkdir(parents=True, exist_ok=True)
    build_file = settings.builds_dir / "spark-next.duckdb"
    marts = assemble(settings, build_file)
    _publish(build_file, settings.warehouse_path)
    stages["assemble_publish"] = time.monotonic() - clock
    summary = SparkBuildSummary(marts, stages, settings.warehouse_path)
    print_summary(summary)
    return summary


def print_summary(summary: SparkBuildSummary) -> None:
    """What was published, and the seconds per stage in the DuckDB build's `stages:`
    shape, so `make bench` reads both engines' logs alike."""
    print(
        f"published {summary.published_path} from Spark in "
        f"{sum(summary.stage_seconds.values()):.1f} s: {len(summary.marts)} marts",
        flush=True,
    )
    print(
        f"  {STAGES_LABEL} "
        + ", ".join(f"{name} {sec:.1f} s" for name, sec in summary.stage_seconds.items()),
        flush=True,
    )


def _register_and_build(names: list[str], models: list[str]) -> int:
    """In the child: one dbt runner, so one SparkSession, for every step."""
    from dbt.cli.main import dbtRunner

    base = Path(os.environ["PULSE_SPARK_METASTORE"])
    project = DBT_PROJECT_DIR
    common = [
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target",
        "spark",
        "--target-path",
        str(base / "dbt" / "target"),
        "--log-path",
        str(base / "dbt" / "logs"),
    ]
    runner = dbtRunner()
    tables = {
        name: str(Path(os.environ["PULSE_SPARK_RAW_DIR"]) / f"{name}.parquet") for name in names
    }
    steps = [
        ["run-operation", "pulse_spark_register_raw", "--args", json.dumps({"tables": tables})],
        (
            [
                "build",
                "--select",
                *(f"+{model}" for model in models),
                "--exclude",
                "resource_type:test",
                "resource_type:unit_test",
            ]
            if models
            else ["build", "--exclude", "resource_type:unit_test"]
        ),
    ]
    for step in steps:
        result = runner.invoke([step[0], *common, *step[1:]])
        if not result.success:
            return 1
    return 0


if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    sys.exit(_register_and_build(request["tables"], request["models"]))
