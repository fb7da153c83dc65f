"""The bench's equal-work SLA lower bound (transforms/analyses/sla_outcomes_lower_bound.sql)
computes exactly fct_sla_outcomes: on the demo extract, every row of one is a row of the
other, duplicates counted (`except all` both ways), so `make bench`'s ratio of the dbt SLA
models to it compares equal work. No timing is asserted here.

The warehouse is a copy of the session's demo build (`built_warehouse`), so the equality
holds on what `pulse build` publishes; a copy, because `dbt compile` opens the file it is
pointed at for writing, which other workers reading the shared build would refuse.
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import EXTRACT_END, PipelineRun, make_settings
from tests.harness.bench import compile_lower_bound, connect_like_dbt
from warehouse.core.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sla_lineage(built_warehouse: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A copy of the session's demo build, published by the real pipeline, as of EXTRACT_END."""
    source = built_warehouse.settings
    settings = make_settings(tmp_path_factory.mktemp("lower-bound"))
    shutil.copyfile(source.landing_path, settings.landing_path)
    shutil.copyfile(source.warehouse_path, settings.warehouse_path)
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
