"""`pulse build`'s publishing rules, on a throwaway dbt project and on the real one.

The throwaway project (two models, one incremental, and tests we can make fail) keeps
these checks independent of the real models and fast (one dbt start-up per build).
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings, load_settings
from warehouse.pipeline.build import build, clean_stale_builds, new_build_id
from warehouse.pipeline.landing import open_landing
from warehouse.pipeline.lock import pulse_lock

PROJECT = {
    "dbt_project.yml": """
name: tiny
version: "1.0"
config-version: 2
profile: tiny
vars:
  as_of: "2100-01-01 00:00:00"
  expected: 1
""",
    "profiles.yml": """
tiny:
  target: d
  outputs:
    d:
      type: duckdb
      path: "{{ env_var('PULSE_BUILD_PATH') }}"
      threads: 1
      attach:
        - path: "{{ env_var('PULSE_LANDING') }}"
          alias: landing
          read_only: true
""",
    "models/tickets.sql": """
{{ config(materialized='table') }}
select count(*) as n, cast('{{ var("as_of") }}' as timestamp) as as_of
from landing.raw.tickets
""",
    # what the published warehouse keeps of the landing's manifest, as the real project's
    # mart does: an incremental build checks the landing still holds those batches
    "models/fct_dq_load_manifest.sql": """
{{ config(materialized='table') }}
select * from landing.raw.load_manifest
""",
    "models/builds_seen.sql": """
{{ config(materialized='incremental') }}
select cast('{{ var("as_of") }}' as timestamp) as as_of, 1 as id
""",
    "models/schema.yml": """
version: 2
models:
  - name: tickets
    columns:
      - name: n
        data_tests:
          - not_null
          - accepted_values:
              arguments:
                values: ["{{ var('expected') }}"]
                quote: false
""",
}


@pytest.fixture
def tiny(tmp_path: Path) -> Settings:
    project = tmp_path / "project"
    for name, text in PROJECT.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    data = tmp_path / "data"
    settings = Settings(
        data_dir=data,
        raw_dir=data / "raw",
        landing_path=data / "landing.duckdb",
        warehouse_path=data / "warehouse.duckdb",
        memory_limit="1GB",
        threads=1,
        extra={"dbt_project_dir": str(project)},
    )
    con = open_landing(settings.landing_path)
    con.execute("insert into raw.tickets (ticket_id) values ('T-1')")
    con.close()
    return settings


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _break_test(settings: Settings) -> None:
    """Make the data fail the error-severity accepted_values test."""
    con = duckdb.connect(str(settings.landing_path))
    con.execute("insert into raw.tickets (ticket_id) values ('T-2')")
    con.close()


def _published(settings: Settings, sql: str) -> list[tuple]:
    """The rows of `sql` on the published warehouse, through a short read-only connection."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _build_row(settings: Settings) -> tuple:
    return _published(settings, "select build_id, as_of, status from main.pulse_build")[0]


def _builds_seen(settings: Settings) -> int:
    """Rows of the tiny project's incremental model: one a build since the last full one."""
    return _published(settings, "select count(*) from main.builds_seen")[0][0]


def test_build_id_is_sortable_timestamp() -> None:
    first = new_build_id(datetime(2025, 5, 15, 12, 0, 0, 1000, tzinfo=UTC))
    second = new_build_id(datetime(2025, 5, 15, 12, 0, 0, 2000, tzinfo=UTC))
    assert first == "20250515T120000_001Z"
    assert first < second


def test_missing_landing_is_one_clear_error(tiny: Settings) -> None:
    tiny.landing_path.unlink()
    with pytest.raises(PulseError, match=r"no landing database at .*run `pulse load` first"):
        build(tiny, as_of=None, full_refresh=False)


def test_successful_build_publishes_and_records(tiny: Settings) -> None:
    as_of = datetime(2025, 5, 15, 12, 0, tzinfo=UTC)
    summary = build(tiny, as_of=as_of, full_refresh=True)
    assert tiny.warehouse_path.is_file()
    assert list(tiny.builds_dir.iterdir()) == []
    build_id, recorded_as_of, status = _build_row(tiny)
    assert (build_id, status) == (summary.build_id, "success")
    assert recorded_as_of == datetime(2025, 5, 15, 12, 0)
    con = duckdb.connect(str(tiny.warehouse_path), read_only=True)
    tests = con.execute("select status from main.pulse_build_tests").fetchall()
    rows = dict(con.execute("select relation, row_count from main.pulse_build_models").fetchall())
    con.close()
    assert tests and {t[0] for t in tests} == {"pass"}
    assert rows["main.tickets"] == 1
    assert summary.model_rows["main.tickets"] == 1


UNIT_TEST = """
version: 2
models:
  - name: doubled
unit_tests:
  - name: doubled_doubles
    model: doubled
    given: []
    expect:
      rows:
        - {n: 2}
"""


def test_full_build_runs_the_unit_tests_unless_the_settings_say_not(
    tiny: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Path(tiny.extra["dbt_project_dir"])
    (project / "models" / "doubled.sql").write_text("select 2 * 1 as n\n")
    (project / "models" / "doubled.yml").write_text(UNIT_TEST)

    def unit_tests_recorded() -> list[tuple]:
        return _published(
            tiny,
            "select node, status from main.pulse_build_tests where resource_type = 'unit_test'",
        )

    build(tiny, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=True)
    assert unit_tests_recorded() == [("unit_test.tiny.doubled.doubled_doubles", "pass")]
    skipping = tiny.with_overrides(unit_tests=False)
    build(skipping, as_of=datetime(2025, 5, 2, tzinfo=UTC), full_refresh=True)
    assert unit_tests_recorded() == []
    for word, expected in (("no", False), ("FALSE", False), ("1", True), ("yes", True)):
        monkeypatch.setenv("PULSE_UNIT_TESTS", word)
        assert load_settings().unit_tests is expected


def test_incremental_build_starts_from_published_state(tiny: Settings) -> None:
    build(tiny, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=True)
    build(tiny, as_of=datetime(2025, 5, 2, tzinfo=UTC), full_refresh=False)

    assert _builds_seen(tiny) == 2
    con = duckdb.connect(str(tiny.warehouse_path), read_only=True)
    history = con.execute("select count(*) from main.pulse_build_history").fetchone()[0]
    con.close()
    assert history == 2
    build(tiny, as_of=datetime(2025, 5, 3, tzinfo=UTC), full_refresh=True)
    assert _builds_seen(tiny) == 1
    con = duckdb.connect(str(tiny.warehouse_path), read_only=True)
    history = con.execute("select count(*) from main.pulse_build_history").fetchone()[0]
    con.close()
    assert history == 3  # a full build starts empty but keeps the build history


def test_an_earlier_as_of_builds_in_full_saying_why(
    tiny: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """Going back in time cannot continue the later state: a ticket whose events all lie
    after the new as-of time would keep its later rows."""
    build(tiny, as_of=datetime(2025, 5, 2, tzinfo=UTC), full_refresh=True)
    capsys.readouterr()
    summary = build(tiny, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=False)
    out = capsys.readouterr().out
    assert (
        "full (as of 2025-05-01 00:00:00 UTC is earlier than the published build's "
        "2025-05-02 00:00:00 UTC)"
    ) in out
    assert summary.full_refresh
    assert _builds_seen(tiny) == 1


def test_changed_project_forces_a_full_build(
    tiny: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    build(tiny, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=True)
    project = Path(tiny.extra["dbt_project_dir"])
    model = project / "models" / "builds_seen.sql"
    model.write_text(model.read_text() + "\n-- changed logic\n")
    capsys.readouterr()
    summary = build(tiny, as_of=datetime(2025, 5, 2, tzinfo=UTC), full_refresh=False)
    assert "dbt project changed" in capsys.readouterr().out
    assert summary.full_refresh
    assert _builds_seen(tiny) == 1


def test_changed_seed_forces_a_full_build(
    tiny: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # seeds (SLA policies, holidays, schedules) change rows of tickets that did not
    # change: the incremental models would carry them, so a seed edit means a full build
    seed = Path(tiny.extra["dbt_project_dir"]) / "seeds" / "policy.csv"
    seed.parent.mkdir()
    seed.write_text("target_minutes\n60\n")
    build(tiny, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=True)
    seed.write_text("target_minutes\n90\n")
    capsys.readouterr()
    summary = build(tiny, as_of=datetime(2025, 5, 2, tzinfo=UTC), full_refresh=False)
    assert "dbt project changed" in capsys.readouterr().out
    assert summary.full_refresh
    assert _builds_seen(tiny) == 1
    assert _published(tiny, "select target_minutes from main.policy") == [(90,)]


def test_changed_business_time_zone_forces_a_full_build(
    tiny: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # the zone reaches dbt as a --vars value and moves every ticket's Moscow date
    build(tiny, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=True)
    capsys.readouterr()
    moved = tiny.with_overrides(timezone="Asia/Almaty")
    summary = build(moved, as_of=datetime(2025, 5, 2, tzinfo=UTC), full_refresh=False)
    assert "dbt project changed" in capsys.readouterr().out
    assert summary.full_refresh
    # and the same settings again continue incrementally
    assert not build(moved, as_of=datetime(2025, 5, 3, tzinfo=UTC), full_refresh=False).full_refresh


def test_history_from_an_older_layout_is_kept(tiny: Settings) -> None:
    build(tiny, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=True)
    con = duckdb.connect(str(tiny.warehouse_path))
    for table in ("pulse_build", "pulse_build_history"):  # as written before the column
        con.execute(f"alter table main.{table} drop column project_fingerprint")
    con.close()
    build(tiny, as_of=datetime(2025, 5, 2, tzinfo=UTC), full_refresh=False)
    con = duckdb.connect(str(tiny.warehouse_path), read_only=True)
    try:
        rows = con.execute(
            "select project_fingerprint is null from main.pulse_build_history order by built_at"
        ).fetchall()
    finally:
        con.close()
    assert rows == [(True,), (False,)]


def test_failing_test_leaves_published_warehouse_untouched(
    tiny: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    build(tiny, as_of=None, full_refresh=True)
    before = _digest(tiny.warehouse_path)
    build_id = _build_row(tiny)[0]
    _break_test(tiny)
    capsys.readouterr()
    with pytest.raises(PulseError, match="published warehouse is unchanged"):
        build(tiny, as_of=None, full_refresh=False)
    screen = capsys.readouterr().out
    assert "accepted_values_tickets_n" in screen
    assert "Build failed" in screen
    assert len(screen.splitlines()) < 25  # one screen, not the dbt log
    assert _digest(tiny.warehouse_path) == before
    assert _build_row(tiny)[0] == build_id
    assert list(tiny.builds_dir.iterdir()) == []


def test_model_error_names_the_model(tiny: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    project = Path(tiny.extra["dbt_project_dir"])
    (project / "models" / "broken.sql").write_text(
        "select no_such_column from {{ ref('tickets') }}"
    )
    with pytest.raises(PulseError, match="build failed"):
        build(tiny, as_of=None, full_refresh=True)
    screen = capsys.readouterr().out
    assert "model broken" in screen
    assert "no_such_column" in screen
    assert not tiny.warehouse_path.exists()
    assert list(tiny.builds_dir.iterdir()) == []


def test_parse_error_is_reported_without_traceback(
    tiny: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    project = Path(tiny.extra["dbt_project_dir"])
    (project / "models" / "bad.sql").write_text("select {{ ref('does_not_exist') }}")
    with pytest.raises(PulseError, match="build failed"):
        build(tiny, as_of=None, full_refresh=True)
    screen = capsys.readouterr().out
    assert "does_not_exist" in screen
    assert "Traceback" not in screen


def test_leftovers_of_killed_builds_are_cleaned(tiny: Settings) -> None:
    tiny.builds_dir.mkdir(parents=True)
    stale = tiny.builds_dir / "20200101T000000_000Z.duckdb"
    stale.write_bytes(b"half a database")
    (tiny.builds_dir / "20200101T000000_000Z.duckdb.wal").write_bytes(b"x")
    build(tiny, as_of=None, full_refresh=True)
    assert list(tiny.builds_dir.iterdir()) == []
    assert clean_stale_builds(tiny) == []


def test_lock_timeout_names_the_holder(tiny: Settings) -> None:
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with pulse_lock(tiny, "load"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(5)
        with (
            pytest.raises(PulseError, match=r"cannot build: `pulse load` \(pid \d+"),
            pulse_lock(tiny, "build", timeout=0.5),
        ):
            pass
    finally:
        release.set()
        thread.join()
    with pulse_lock(tiny, "build", timeout=0.5):  # free again once the holder is done
        pass


def test_real_project_build_records_itself(built_warehouse) -> None:
    settings = built_warehouse.settings
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        build_id, status, models = con.execute(
            "select build_id, status, models_built from main.pulse_build"
        ).fetchone()
        tests = con.execute("select count(*) from main.pulse_build_tests").fetchone()[0]
        unit_tests = con.execute(
            "select status, count(*) from main.pulse_build_tests "
            "where resource_type = 'unit_test' group by status"
        ).fetchall()
    finally:
        con.close()
    assert status == "success" and build_id and models > 0
    assert tests > 0
    # the suite's one run of the dbt unit tests (tests/conftest.py): all of them, passed
    assert len(unit_tests) == 1 and unit_tests[0][0] == "pass" and unit_tests[0][1] > 50
    assert not any(settings.builds_dir.glob("*.duckdb"))


def test_refresh_loop_reports_a_failed_cycle_and_goes_on(
    tiny: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    import warehouse.pipeline.build
    import warehouse.pipeline.load
    from warehouse.pipeline.refresh import refresh

    calls: list[str] = []

    def fake_load(settings, raw_dir, *, encoding, delimiter):
        calls.append("load")
        return SimpleNamespace(failed_files=[])

    def fake_build(settings, *, as_of, full_refresh):
        calls.append(f"build full={full_refresh}")
        if len(calls) == 4:  # the second cycle's build fails
            raise PulseError("build failed (1 dbt node(s) failed)")
        return SimpleNamespace(build_id=f"b{len(calls)}", seconds=0.1)

    monkeypatch.setattr(warehouse.pipeline.load, "load", fake_load)
    monkeypatch.setattr(warehouse.pipeline.build, "build", fake_build)
    refresh(tiny, tiny.raw_dir, every=timedelta(seconds=0.01), max_cycles=3)
    out = capsys.readouterr().out
    assert calls == ["load", "build full=False"] * 3
    assert "refresh 1 ok" in out and "refresh 3 ok" in out
    assert "refresh 2 failed: build failed (1 dbt node(s) failed)" in out


def test_refresh_once_raises_and_simulates_first(
    tiny: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    import warehouse.pipeline.build
    import warehouse.pipeline.load
    from warehouse.pipeline.refresh import refresh

    order: list[str] = []

    def simulate(raw_dir, *, now, seed):
        order.append("simulate")
        return []

    monkeypatch.setattr(
        warehouse.pipeline.load,
        "load",
        lambda *a, **k: order.append("load") or SimpleNamespace(failed_files=[]),
    )

    def failing_build(settings, *, as_of, full_refresh):
        order.append("build")
        raise PulseError("no landing database")

    monkeypatch.setattr(warehouse.pipeline.build, "build", failing_build)
    with pytest.raises(PulseError, match="no landing database"):
        refresh(tiny, tiny.raw_dir, every=None, before_cycle=simulate)
    assert order == ["simulate", "load", "build"]


# Fails as DuckDB does when the queries dbt runs side by side exhaust memory_limit, and
# succeeds when dbt runs one node at a time (`dbt retry --threads 1`).
GREEDY_MODEL = """
{{ config(materialized='table') }}
{% if invocation_args_dict.get('threads') == 1 %}
select 1 as n
{% else %}
select error('Out of Memory Error: failed to pin block of size 256.0 KiB') as n
{% endif %}
"""


def test_nodes_out_of_memory_side_by_side_run_again_one_at_a_time(
    tiny: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """At 10 M tickets under a 3.5 GB limit, two large models running at once failed
    with DuckDB's "Out of Memory Error" although each completes alone. The build runs
    what failed, and what it held up, again one node at a time, and publishes; any other
    failure, or one already running one node at a time, fails the build as before."""
    project = Path(tiny.extra["dbt_project_dir"])
    (project / "models" / "greedy.sql").write_text(GREEDY_MODEL)
    (project / "models" / "after_greedy.sql").write_text(
        "select n + 1 as n from {{ ref('greedy') }}\n"
    )
    with pytest.raises(PulseError, match="build failed"):
        build(tiny, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=True)  # 1 thread
    assert not tiny.warehouse_path.exists()

    two = tiny.with_overrides(threads=2)
    capsys.readouterr()
    build(two, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=True)
    said = capsys.readouterr().out
    assert "dbt ran out of memory in 1 node(s) running 2 at a time" in said
    assert _published(two, "select n from main.after_greedy") == [(2,)]
    recorded = dict(_published(two, "select node, status from main.pulse_build_models"))
    assert recorded["model.tiny.greedy"] == "success"
    assert recorded["model.tiny.after_greedy"] == "success"
    assert recorded["model.tiny.tickets"] == "success"  # the first run's results are kept
    assert _build_row(two)[2] == "success"
    # dbt's run_results.json of the retry lists the retried nodes only; the build merges
    # the two runs so the file describes the whole build (the bench reads its timings)
    target = two.data_dir / "dbt" / "target" / "run_results.json"
    statuses = {r["unique_id"]: r["status"] for r in json.loads(target.read_text())["results"]}
    assert statuses["model.tiny.tickets"] == statuses["model.tiny.greedy"] == "success"


def test_a_failure_other_than_memory_is_not_run_again(tiny: Settings) -> None:
    project = Path(tiny.extra["dbt_project_dir"])
    (project / "models" / "broken.sql").write_text(
        "{{ config(materialized='table') }}\nselect error('division by zero') as n\n"
    )
    two = tiny.with_overrides(threads=2)
    with pytest.raises(PulseError, match="build failed"):
        build(two, as_of=datetime(2025, 5, 1, tzinfo=UTC), full_refresh=True)
    assert not two.warehouse_path.exists()
