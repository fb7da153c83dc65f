"""The bench's equal-work SLA lower bound (transforms/analyses/sla_outcomes_lower_bound.sql)
computes exactly fct_sla_outcomes: on the demo extract, every row of one is a row of the
other, duplicates counted (`except all` both ways), so `make bench`'s ratio of the dbt SLA
models to it compares equal work. No timing is asserted here.

The warehouse is dbt's models up to fct_sla_outcomes (and the seeds), built from the
session's landed demo extract: the lineage the query replaces, and nothing that the
equality does not depend on (a failing data test elsewhere in the project must not hide
whether the two sides agree; the full build's own tests say that).
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import EXTRACT_END, PipelineRun
from tests.harness.bench import compile_lower_bound, connect_like_dbt
from warehouse.core.settings import DBT_PROJECT_DIR, Settings
from warehouse.pipeline.build import dbt_executable

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sla_lineage(landing_db: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a warehouse holding fct_sla_outcomes and everything it is built from,
    as of the demo extract's end."""
    data_dir = tmp_path_factory.mktemp("sla-lineage")
    settings = landing_db.settings.with_overrides(
        data_dir=data_dir, warehouse_path=data_dir / "warehouse.duckdb", threads=1
    )
    settings.temp_dir.mkdir()
    env = dict(os.environ)
    env.update(
        PULSE_BUILD_PATH=str(settings.warehouse_path),
        PULSE_LANDING=str(settings.landing_path),
        PULSE_TEMP_DIR=str(settings.temp_dir),
        PULSE_MEMORY_LIMIT=settings.memory_limit,
        PULSE_THREADS="1",
        PULSE_AS_OF=EXTRACT_END.strftime("%Y-%m-%d %H:%M:%S"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    done = subprocess.run(
        [
            dbt_executable(),
            "--no-send-anonymous-usage-stats",
            "build",
            "--select",
            "+fct_sla_outcomes",
            "--exclude",
            "test_type:unit",
            "test_type:data",
            "--full-refresh",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(data_dir / "target"),
            "--log-path",
            str(data_dir / "logs"),
        ],
        env=env,
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    return settings


@pytest.fixture(scope="module")
def both_sides(sla_lineage: Settings) -> tuple[int, int, int, int]:
    """(rows of fct_sla_outcomes, rows of the query, rows only in the mart, rows only
    in the query)."""
    sql = compile_lower_bound(sla_lineage, EXTRACT_END)
    con = connect_like_dbt(sla_lineage)
    try:
        con.execute(f"create temp table hand as {sql}")
        mart = "select * from main.fct_sla_outcomes"
        counts = con.execute(
            f"""
            select
                (select count(*) from main.fct_sla_outcomes),
                (select count(*) from hand),
                (select count(*) from ({mart} except all select * from hand)),
                (select count(*) from (select * from hand except all {mart}))
            """
        ).fetchone()
    finally:
        con.close()
    assert counts is not None
    return counts


def test_lower_bound_has_the_marts_rows_and_no_other(
    both_sides: tuple[int, int, int, int],
) -> None:
    mart_rows, hand_rows, only_mart, only_hand = both_sides
    assert mart_rows > 0
    assert (only_mart, only_hand) == (0, 0)
    assert hand_rows == mart_rows


def test_demo_build_exercises_every_metric_clock_and_outcome(sla_lineage: Settings) -> None:
    """The equality above means something only if the demo build holds every kind of row
    the query has a rule for: three metrics, both clocks, the three outcomes, paused
    clocks and several next-reply instances."""
    con = connect_like_dbt(sla_lineage)
    try:
        kinds = con.execute(
            """
            select
                list(distinct metric order by metric),
                list(distinct clock order by clock),
                list(distinct outcome order by outcome),
                bool_or(is_paused),
                max(instance),
                count(distinct schedule_id)
            from main.fct_sla_outcomes
            """
        ).fetchone()
    finally:
        con.close()
    assert kinds is not None
    metrics, clocks, outcomes, any_paused, max_instance, schedules = kinds
    assert metrics == ["first_response", "next_reply", "resolution"]
    assert clocks == ["business", "calendar"]
    assert outcomes == ["breached", "met", "pending"]
    assert any_paused
    assert max_instance >= 2
    assert schedules >= 2  # business hours of more than one region
