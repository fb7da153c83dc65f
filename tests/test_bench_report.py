"""`make bench ENGINE=spark`'s pieces that need no Java and no build: the side-by-side
report of the DuckDB and the Spark full build (hand-made figures, ratios worked out by
hand), a failed Spark build shown as a line, the Spark build's stage line read back,
the SLA models' times read from a dbt target directory, the memory sampler
counting a Java grandchild (a renamed Python standing in for the JVM), and the first
page load held against its target after the workers' cache warm-up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.harness.bench import (
    SPARK_MODE_SKIPS,
    EngineRun,
    PeakMemory,
    Step,
    build_stages,
    dbt_tally,
    engine_report,
    report,
    run_step,
    sla_model_times,
    wait_for_warmups,
)
from warehouse.core.settings import PROJECT_ROOT
from warehouse.pipeline.spark_build import SparkBuildSummary, print_summary

DUCK = EngineRun(
    Step("full build", 80.0, 500.0),
    {"int_sla_clock_segments": 4.0, "fct_sla_outcomes": 6.0},
    {"dbt": 70.0, "publish": 2.0},
)
LANDING = [Step("generate", 9.0, 180.0), Step("load", 50.0, 230.0)]


def _report(spark: EngineRun) -> list[str]:
    # the bench's own data directory, as the report names it; nothing is read or written
    settings = make_settings(PROJECT_ROOT / "data" / "bench" / "demo").with_overrides(threads=2)
    extra = {"tickets": "93,176", "events": "986,639", "spark_versions": "pyspark 4.3.0"}
    return engine_report("demo", settings, LANDING, DUCK, spark, extra).splitlines()


def test_spark_report_puts_both_builds_side_by_side_with_the_ratio() -> None:
    spark = EngineRun(
        Step("Spark full build", 1000.0, 2000.0, jvm_mib=1500.0),
        {"int_sla_clock_segments": 30.0, "fct_sla_outcomes": 60.0},
        {"export": 5.0, "dbt": 990.0, "assemble_publish": 5.0},
        "PASS=624 WARN=0 ERROR=0 SKIP=0 TOTAL=624",
    )
    lines = _report(spark)

    assert lines[0].startswith("## DuckDB vs Spark (`make bench ENGINE=spark`), scale `demo`, ")
    assert any(line.startswith("- machine load at the end (1/5/15 min): ") for line in lines)
    assert f"- {SPARK_MODE_SKIPS}" in lines
    assert "| generate | 9.0 | 180 |" in lines
    assert "| load | 50.0 | 230 |" in lines
    table = lines.index("| full build | DuckDB | Spark | Spark / DuckDB |")
    # 1000 / 80 = 12.5; 2000 / 500 = 4.0; (30 + 60) / (4 + 6) = 9.0
    assert lines[table + 2 : table + 5] == [
        "| wall time (s) | 80.0 | 1,000.0 | 12.5× |",
        "| peak memory of the process tree (MiB) | 500 | 2,000 | 4.0× |",
        "| SLA models, dbt execution time (s) | 10.0 | 90.0 | 9.0× |",
    ]
    stage_line = next(line for line in lines if line.startswith("Spark build by stage"))
    assert "export 5.0 s, dbt 990.0 s, assemble_publish 5.0 s" in stage_line
    assert "the JVM held 1,500 MiB of the 2,000 MiB peak" in stage_line
    assert stage_line.endswith("; dbt: PASS=624 WARN=0 ERROR=0 SKIP=0 TOTAL=624")
    assert "DuckDB build by stage (its own clock): dbt 70.0 s, publish 2.0 s" in lines
    models = lines.index("| SLA model | DuckDB s | Spark s | Spark / DuckDB |")
    # 30 / 4 = 7.5; 60 / 6 = 10.0
    assert lines[models + 2 :] == [
        "| int_sla_clock_segments | 4.00 | 30.00 | 7.5× |",
        "| fct_sla_outcomes | 6.00 | 60.00 | 10.0× |",
    ]


def test_a_failed_spark_build_is_a_line_of_the_report() -> None:
    note = (
        "pulse: the Spark build failed (dbt exited with status 1); the published warehouse "
        f"is unchanged — see {PROJECT_ROOT}/data/bench/demo/spark/dbt/logs/dbt.log"
    )
    spark = EngineRun(
        Step("Spark full build", 120.0, 1800.0, note, ok=False, jvm_mib=1400.0),
        {},
        {},
        "PASS=600 WARN=0 ERROR=1 SKIP=12 TOTAL=613",
    )
    lines = _report(spark)
    text = "\n".join(lines)

    assert "| wall time (s) | 80.0 | failed after 120.0 | — |" in lines
    assert "| peak memory of the process tree (MiB) | 500 | 1,800 | — |" in lines
    assert "| SLA models, dbt execution time (s) | 10.0 | — | — |" in lines
    failed = next(line for line in lines if line.startswith("**The Spark build failed**"))
    assert failed == (
        "**The Spark build failed**: pulse: the Spark build failed (dbt exited with status 1); "
        "the published warehouse is unchanged — see data/bench/demo/spark/dbt/logs/dbt.log "
        "(log: `data/bench/demo/logs/Spark_full_build.log`); "
        "dbt: PASS=600 WARN=0 ERROR=1 SKIP=12 TOTAL=613"
    )
    assert str(PROJECT_ROOT) not in text
    assert "| SLA model |" not in text
    assert "Spark build by stage" not in text


def test_a_failing_spark_step_comes_back_instead_of_raising(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    fails = "import sys; print('pulse: no Java runtime', file=sys.stderr); sys.exit(2)"
    step = run_step(
        "Spark full build", [sys.executable, "-c", fails], settings, tmp_path, check=False
    )
    assert (step.ok, step.note) == (False, "pulse: no Java runtime")


def test_the_spark_builds_stage_line_reads_back_and_its_dbt_tally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stages = {"export": 3.25, "dbt": 601.0, "assemble_publish": 4.5}
    print_summary(SparkBuildSummary(["fct_tickets"], stages, tmp_path / "warehouse.duckdb"))
    dbt_lines = "04:30:01  Finished running 12 table models in 0 hours 9 minutes\n"
    dbt_lines += "04:30:01  Done. PASS=624 WARN=0 ERROR=1 SKIP=12 NO-OP=0 TOTAL=637\n"
    (tmp_path / "Spark_full_build.log").write_text(dbt_lines + capsys.readouterr().out)
    step = Step("Spark full build", 610.0, 2000.0)

    # printed with one decimal: 3.25 -> 3.2 (round half to even), 4.5 -> 4.5
    assert build_stages(step, tmp_path) == {"export": 3.2, "dbt": 601.0, "assemble_publish": 4.5}
    assert dbt_tally(step, tmp_path) == "PASS=624 WARN=0 ERROR=1 SKIP=12 NO-OP=0 TOTAL=637"


def test_sla_model_times_come_from_the_targets_run_results(tmp_path: Path) -> None:
    """fct_sla_outcomes and the SLA models upstream of it, in run order; a staging model
    and a data test are not SLA models."""
    nodes = {
        "model.pulse.stg_tickets": {
            "name": "stg_tickets",
            "resource_type": "model",
            "fqn": ["pulse", "staging", "stg_tickets"],
            "depends_on": {"nodes": []},
        },
        "model.pulse.int_sla_clock_segments": {
            "name": "int_sla_clock_segments",
            "resource_type": "model",
            "fqn": ["pulse", "intermediate", "sla", "int_sla_clock_segments"],
            "depends_on": {"nodes": ["model.pulse.stg_tickets"]},
        },
        "model.pulse.fct_sla_outcomes": {
            "name": "fct_sla_outcomes",
            "resource_type": "model",
            "fqn": ["pulse", "marts", "sla", "fct_sla_outcomes"],
            "depends_on": {"nodes": ["model.pulse.int_sla_clock_segments"]},
        },
        "test.pulse.not_null_fct_sla_outcomes_ticket_id": {
            "name": "not_null_fct_sla_outcomes_ticket_id",
            "resource_type": "test",
            "fqn": ["pulse", "marts", "sla", "not_null"],
            "depends_on": {"nodes": ["model.pulse.fct_sla_outcomes"]},
        },
    }
    results = [
        {"unique_id": "model.pulse.stg_tickets", "execution_time": 1.5},
        {"unique_id": "model.pulse.int_sla_clock_segments", "execution_time": 12.25},
        {"unique_id": "model.pulse.fct_sla_outcomes", "execution_time": 20.0},
        {"unique_id": "test.pulse.not_null_fct_sla_outcomes_ticket_id", "execution_time": 3.0},
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"nodes": nodes}))
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))

    assert sla_model_times(tmp_path) == {"int_sla_clock_segments": 12.25, "fct_sla_outcomes": 20.0}


def test_peak_memory_counts_a_java_grandchild(tmp_path: Path) -> None:
    """pulse -> Spark child -> JVM: the JVM is two levels down and must be summed, and
    its share kept apart. A Python started as `java` holds 64 MiB for a second."""
    java = tmp_path / "java"
    java.symlink_to(sys.executable)
    holds = "b = b'x' * (64 * 2**20); import time; time.sleep(1.0)"
    child = f"import subprocess; subprocess.run([{str(java)!r}, '-c', {holds!r}], check=True)"
    proc = subprocess.Popen([sys.executable, "-c", child])
    with PeakMemory(proc.pid) as memory:
        assert proc.wait() == 0
    assert memory.jvm_mib >= 64
    assert memory.mib > memory.jvm_mib  # the Python parent and child on top of it


def test_a_failed_lower_bound_is_reported_with_its_reason() -> None:
    """At 10 M the hand-written query once ran out of disk while spilling; the report
    said the analysis was "not found". It now says what failed."""
    settings = make_settings(PROJECT_ROOT / "data" / "bench" / "demo").with_overrides(threads=2)
    extra = {
        "tickets": "93,176",
        "events": "986,639",
        "sla": (614.52, [], None),
        "sla_error": "IO Error: Could not write file: No space left on device",
    }
    text = report("demo", settings, LANDING, extra)
    assert (
        "SLA models: 614.52 s in the full build; no ratio: the hand-written lower bound "
        "`sla_outcomes_lower_bound` failed (IO Error: Could not write file: No space left "
        "on device)"
    ) in text
    assert "not found" not in text


def test_a_skipped_lower_bound_is_reported_as_skipped() -> None:
    """`--skip-sla-bound` (a 10 M run that measures the builds only) leaves the lower
    bound out on purpose: the report says so, not that it failed or is missing."""
    settings = make_settings(PROJECT_ROOT / "data" / "bench" / "demo").with_overrides(threads=2)
    extra = {"tickets": "93,176", "events": "986,639", "sla": (61.2, [], None)}
    text = report("demo", settings, LANDING, {**extra, "sla_skipped": True})
    assert (
        "SLA models: 61.20 s in the full build; no ratio: the hand-written lower bound "
        "`sla_outcomes_lower_bound` was not run (--skip-sla-bound)"
    ) in text
    assert "failed" not in text and "not found" not in text


def test_the_sla_ratio_is_taken_with_the_models_run_alone() -> None:
    """The hand-written query runs alone, so its ratio is against the SLA models run alone;
    their time in the full build, where dbt runs another node beside each, is shown too."""
    settings = make_settings(PROJECT_ROOT / "data" / "bench" / "demo").with_overrides(threads=2)
    extra = {
        "tickets": "93,176",
        "events": "986,639",
        "sla": (30.0, ["int_sla_targets 10.0 s", "fct_sla_outcomes 20.0 s"], 10.0),
        "sla_alone": (15.0, ["int_sla_targets 6.0 s", "fct_sla_outcomes 9.0 s"]),
    }
    text = report("demo", settings, LANDING, extra)
    assert "(int_sla_targets 6.0 s, fct_sla_outcomes 9.0 s), 15.00 s" in text
    assert "**ratio 1.50×** (target ≤ 2×)" in text
    assert "(int_sla_targets 10.0 s, fct_sla_outcomes 20.0 s), 30.00 s, 3.00×" in text
    without = report("demo", settings, LANDING, {**extra, "sla_alone": None})
    assert "**ratio 3.00×** (target ≤ 2×); not measured alone" in without


def _dashboard(loads: list, during: list) -> dict:
    phase = {
        "requests": 1,
        "seconds": 1.0,
        "errors": 0,
        "peak_mib": 1.0,
        "p50": 1.0,
        "p95": 2.0,
        "per": {},
        "worst_p95": 2.0,
    }
    return {
        "loads": loads,
        "loads_during_warmup": during,
        "draws": {},
        "paced": phase,
        "saturated": phase,
    }


def test_the_first_load_target_is_read_after_the_warm_up_with_the_loads_during_it_beside() -> None:
    """Right after the server starts, both workers render every page into their caches on
    the two cores; the loads measured then are shown, the target is held against the
    loads after the warm-up."""
    settings = make_settings(PROJECT_ROOT / "data" / "bench" / "demo").with_overrides(threads=2)
    extra = {
        "tickets": "93,176",
        "events": "986,639",
        "dashboard": _dashboard([(0.8, 1.3), (0.75, 1.25)], [(1.4, 1.9), (1.1, 1.6)]),
    }
    text = report("demo", settings, LANDING, extra)
    assert (
        "once both workers have warmed their result caches: key results on screen after "
        "800, 750 ms (target < 1 s); network idle (500 ms of silence included) after "
        "1300, 1250 ms; while the workers were still warming them right after the server "
        "started (the seconds after a publish): on screen after 1400, 1100 ms"
    ) in text


def test_the_warm_up_wait_counts_each_workers_line(tmp_path: Path) -> None:
    """Done when every worker has said it is done (or failed); not before."""
    log = tmp_path / "serve.log"
    log.write_text("pulse: warmed 8 pages in 3.1 s\n")
    assert not wait_for_warmups(log, workers=2, timeout=0.3)
    log.write_text(log.read_text() + "pulse: cache warm-up failed: IOException: gone\n")
    assert wait_for_warmups(log, workers=2, timeout=0.3)
    assert not wait_for_warmups(tmp_path / "missing.log", workers=1, timeout=0.3)
