"""`kill -9` in the middle of a build or a load never harms what is published (DESIGN s8).

Each test copies the session's built data directory, starts the real `pulse` command
in a child process, kills it with SIGKILL while it is working, and checks that the
published warehouse is byte-identical and still opens with the same build id, that
no process is left running, and that the next run succeeds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil
import pytest
from conftest import EXTRACT_END, PipelineRun, make_settings, pulse_env

from warehouse.core.settings import Settings

pytestmark = pytest.mark.slow


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build_id(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select build_id from main.pulse_build").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def copied(built_warehouse: PipelineRun, tmp_path: Path) -> PipelineRun:
    """A private copy of the built data directory (raw, landing, warehouse)."""
    source = built_warehouse.settings
    settings = make_settings(tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    shutil.copytree(source.raw_dir, settings.raw_dir)
    shutil.copyfile(source.landing_path, settings.landing_path)
    shutil.copyfile(source.warehouse_path, settings.warehouse_path)
    return PipelineRun(settings, pulse_env(settings))


def _start(run: PipelineRun, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-u", "-m", "warehouse.cli", *args],
        env=run.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 120.0) -> list[psutil.Process]:
    """SIGKILL `proc` as soon as `ready()` holds; return its children at that moment."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, "the step finished before it could be killed midway"
        assert time.monotonic() < deadline, "the step never reached the point to kill it"
        time.sleep(0.05)
    assert proc.poll() is None, "the step finished before it could be killed midway"
    children = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    return children


def _assert_all_gone(processes: list[psutil.Process]) -> None:
    _, alive = psutil.wait_procs(processes, timeout=15)
    assert not alive, f"left running after kill -9: {[p.pid for p in alive]}"


def _landing_counts(settings: Settings) -> dict[str, int]:
    con = duckdb.connect(str(settings.landing_path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw' "
                "and table_name not in ('load_manifest', 'load_rejects') order by 1"
            ).fetchall()
        ]
        return {t: con.execute(f'select count(*) from raw."{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def test_kill_9_during_build(copied: PipelineRun) -> None:
    settings = copied.settings
    before = _digest(settings.warehouse_path)
    build_id = _build_id(settings.warehouse_path)

    proc = _start(copied, "build", "--as-of", EXTRACT_END.isoformat(), "--full-refresh")

    def dbt_is_writing() -> bool:
        # the new file exists and dbt has been at work on it for a moment
        files = list(settings.builds_dir.glob("*.duckdb")) if settings.builds_dir.is_dir() else []
        if not files:
            return False
        return time.time() - files[0].stat().st_ctime > 3.0

    children = _kill_when(proc, dbt_is_writing)
    assert children, "dbt should run as a child of `pulse build`"
    _assert_all_gone(children)  # dbt dies with its parent, nothing keeps writing

    assert _digest(settings.warehouse_path) == before
    assert _build_id(settings.warehouse_path) == build_id
    assert list(settings.builds_dir.glob("*.duckdb")), "the killed build left its file"

    done = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "build", "--as-of", EXTRACT_END.isoformat()],
        env=copied.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "leftover" in done.stdout
    assert _build_id(settings.warehouse_path) != build_id
    assert not list(settings.builds_dir.glob("*"))


def test_kill_9_during_load(copied: PipelineRun, landing_db: PipelineRun) -> None:
    settings = copied.settings
    warehouse_before = _digest(settings.warehouse_path)
    expected = _landing_counts(landing_db.settings)
    # start from an empty landing database so the load has real work to do
    settings.landing_path.unlink()

    proc = _start(copied, "load")
    lines: list[str] = []

    def read_output() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)

    threading.Thread(target=read_output, daemon=True).start()

    def some_batches_landed() -> bool:
        # the loader prints one line per batch: kill it a few batches in
        return sum(1 for line in lines if line.lstrip().startswith("load ")) >= 6

    children = _kill_when(proc, some_batches_landed)
    _assert_all_gone(children)
    assert _digest(settings.warehouse_path) == warehouse_before

    # the landing database still opens (DuckDB replays or discards its WAL)
    con = duckdb.connect(str(settings.landing_path))
    con.execute("select count(*) from raw.load_manifest").fetchone()
    con.close()

    done = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "load"],
        env=copied.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert _landing_counts(settings) == expected
    con = duckdb.connect(str(settings.landing_path), read_only=True)
    try:
        unbalanced = con.execute(
            "select count(*) from raw.load_manifest where status = 'loaded' "
            "and rows_read <> rows_landed + rows_rejected"
        ).fetchone()[0]
        files = con.execute("select count(distinct file_name) from raw.load_manifest").fetchone()[0]
    finally:
        con.close()
    assert unbalanced == 0
    assert files == sum(1 for p in settings.raw_dir.rglob("*") if p.is_file())

    # and a build on top of it publishes
    build = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "build", "--as-of", EXTRACT_END.isoformat()],
        env=copied.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr


def test_killed_holder_releases_the_lock(copied: PipelineRun) -> None:
    """A step killed while holding the lock does not block the next one."""
    code = (
        "import time, sys\n"
        "from warehouse.core.settings import load_settings\n"
        "from warehouse.pipeline.lock import pulse_lock\n"
        "with pulse_lock(load_settings(), 'load'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=copied.env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    from warehouse.pipeline.lock import pulse_lock

    with pulse_lock(copied.settings, "build", timeout=2):
        pass
