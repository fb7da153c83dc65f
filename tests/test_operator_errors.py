"""An operator's mistake or a sick machine is one sentence and what to do (DESIGN s7).

Each case is made for real: bad settings in the environment or in `pulse.toml`, a port
out of range or already taken, a data directory on a full or a read-only tmpfs, a
truncated landing database, a published warehouse with a damaged block. The real
`pulse` command runs in a child process; a mistake must end with exit status 2 and
exactly one line on stderr naming the cause, and never print a traceback.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from conftest import EXTRACT_END, PipelineRun, make_settings, pulse_env
from test_build import tiny  # noqa: F401  (the throwaway dbt project's fixture)

from warehouse.core.settings import Settings
from warehouse.pipeline.build import build

ROOT = Path(__file__).resolve().parent.parent


def _pulse(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warehouse.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


def _assert_one_sentence(result: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit 2, one stderr line starting `pulse` and naming every needle, no traceback."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, output
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("pulse"), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _empty_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The environment of a fresh data directory, plus `variables`."""
    env = pulse_env(make_settings(tmp_path / "data"))
    env.update(variables)
    return env


# --- settings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PULSE_THREADS", "two", "whole number above zero"),
        ("PULSE_THREADS", "0", "whole number above zero"),
        ("PULSE_STALE_MINUTES", "x", "whole number above zero"),
        ("PULSE_LOCK_TIMEOUT", "soon", "number above zero"),
        ("PULSE_TZ", "Mars/Olympus", "is not a time zone"),
        ("PULSE_MEMORY_LIMIT", "lots", "is not a memory size"),
        ("PULSE_AUTH", "ldap", "use none, basic or header"),
        ("PULSE_AUTH_HEADER", "X User", "is not an HTTP header name"),
        ("PULSE_UNIT_TESTS", "maybe", "is not true or false"),
    ],
)
def test_bad_environment_variable_is_named(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    result = _pulse(_empty_env(tmp_path, **{variable: value}), "build")
    _assert_one_sentence(result, f"{variable}={value!r}", expected)


def _with_config(tmp_path: Path, text: str) -> tuple[dict[str, str], Path]:
    """A data directory whose pulse.toml is `text`, and no other PULSE_ variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    env["PULSE_DATA_DIR"] = str(tmp_path / "data")
    config = tmp_path / "data" / "pulse.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)
    return env, config


def test_malformed_pulse_toml_names_file_and_line(tmp_path: Path) -> None:
    env, config = _with_config(tmp_path, 'memory_limit = "4GB"\nthreads = two\n')
    _assert_one_sentence(_pulse(env, "build"), str(config), "not valid TOML", "line 2")


def test_unknown_pulse_toml_keys_are_named(tmp_path: Path) -> None:
    env, config = _with_config(tmp_path, 'thread = 2\ncolour = "blue"\nthreads = 1\n')
    line = _assert_one_sentence(_pulse(env, "build"), str(config), "colour, thread")
    assert "threads" in line.split("use one of", 1)[1]  # and says what is allowed


def test_wrongly_typed_pulse_toml_value_is_named(tmp_path: Path) -> None:
    env, config = _with_config(tmp_path, 'threads = "two"\n')
    _assert_one_sentence(
        _pulse(env, "build"), f"threads = 'two' in {config}", "whole number above zero"
    )


# --- pulse serve -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--port", "99999"), "'99999' is not a port: use a number from 1 to 65535"),
        (("--port", "http"), "'http' is not a port"),
        (("--host", "local host"), "'local host' is not a host name or IP address"),
        (("--workers", "0"), "'0' is not a worker count"),
    ],
)
def test_serve_arguments_are_checked_by_pulse(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    result = _pulse(_empty_env(tmp_path), "serve", *args, timeout=30)
    _assert_one_sentence(result, "pulse serve:", expected)


def test_serve_on_a_port_in_use_is_one_sentence(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _pulse(_empty_env(tmp_path), "serve", "--port", str(port), timeout=30)
    _assert_one_sentence(result, f"cannot serve on 127.0.0.1:{port}", "already in use")


def test_serve_on_an_address_of_another_machine_is_one_sentence(tmp_path: Path) -> None:
    # 192.0.2.0/24 is reserved for documentation: never an address of this machine
    result = _pulse(_empty_env(tmp_path), "serve", "--host", "192.0.2.1", timeout=30)
    _assert_one_sentence(result, "cannot serve on 192.0.2.1:8050", "not an address of this machine")


# --- the data directory ----------------------------------------------------------------


@contextmanager
def _tmpfs(mount_point: Path, size: int) -> Iterator[Path]:
    """A real tmpfs of `size` bytes at `mount_point` (needs root; skips otherwise)."""
    mount_point.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'not root'})")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _data_dir_on(source: Settings, data_dir: Path, *, warehouse: bool = True) -> PipelineRun:
    """The session's landing database (and warehouse) copied into `data_dir`."""
    settings = make_settings(data_dir).with_overrides(raw_dir=source.raw_dir, threads=1)
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source.landing_path, settings.landing_path)
    if warehouse:
        shutil.copyfile(source.warehouse_path, settings.warehouse_path)
    return PipelineRun(settings, pulse_env(settings))


def _pages(size: int) -> int:
    return (size + 4095) // 4096 * 4096


@pytest.mark.slow
def test_disk_full_while_copying_the_warehouse(built_warehouse: PipelineRun, tmp_path: Path):
    source = built_warehouse.settings
    # room for the landing database and the published warehouse, not for a second copy
    room = _pages(source.landing_path.stat().st_size) + _pages(source.warehouse_path.stat().st_size)
    with _tmpfs(tmp_path / "small", room + 256 * 1024) as data_dir:
        run = _data_dir_on(source, data_dir)
        before = _digest(run.settings.warehouse_path)
        result = _pulse(run.env, "build", "--as-of", EXTRACT_END.isoformat())
        _assert_one_sentence(
            result,
            f"cannot copy {run.settings.warehouse_path} to {run.settings.builds_dir}",
            "the disk is full",
            "free space",
        )
        assert _digest(run.settings.warehouse_path) == before
        assert not list(run.settings.builds_dir.iterdir()), "the partial copy was not removed"


@pytest.mark.slow
def test_disk_full_while_dbt_writes_the_build(built_warehouse: PipelineRun, tmp_path: Path):
    source = built_warehouse.settings
    # a few MB free: a full build starts from an empty file and fills them
    room = _pages(source.landing_path.stat().st_size) + _pages(source.warehouse_path.stat().st_size)
    with _tmpfs(tmp_path / "small", room + 4 * 1024 * 1024) as data_dir:
        run = _data_dir_on(source, data_dir)
        before = _digest(run.settings.warehouse_path)
        args = ("build", "--full-refresh", "--as-of", EXTRACT_END.isoformat())
        result = _pulse(run.env, *args, timeout=600)
        _assert_one_sentence(
            result,
            f"cannot build: dbt ran out of space for {run.settings.builds_dir}",
            "the disk is full",
        )
        assert _digest(run.settings.warehouse_path) == before
        assert not list(run.settings.builds_dir.iterdir()), "the partial build was not removed"


@pytest.mark.slow
@pytest.mark.parametrize("command", ["build", "load"])
def test_read_only_data_directory(built_warehouse: PipelineRun, tmp_path: Path, command: str):
    source = built_warehouse.settings
    with _tmpfs(tmp_path / "ro", 256 * 1024 * 1024) as data_dir:
        run = _data_dir_on(source, data_dir)
        before = _digest(run.settings.warehouse_path)
        remounted = subprocess.run(
            ["mount", "-o", "remount,ro", str(data_dir)], capture_output=True, text=True
        )
        if remounted.returncode != 0:
            pytest.skip(f"cannot remount read-only ({remounted.stderr.strip()})")
        result = _pulse(run.env, command)
        _assert_one_sentence(
            result,
            f"cannot {command}: cannot create the lock file {run.settings.lock_path}",
            "read-only",
            "remount it read-write or point PULSE_DATA_DIR at a writable directory",
        )
        assert _digest(run.settings.warehouse_path) == before


@pytest.mark.slow
def test_truncated_landing_database_stops_the_build(built_warehouse: PipelineRun, tmp_path: Path):
    run = _data_dir_on(built_warehouse.settings, tmp_path / "data", warehouse=False)
    landing = run.settings.landing_path
    os.truncate(landing, landing.stat().st_size // 2)
    result = _pulse(run.env, "build", "--as-of", EXTRACT_END.isoformat())
    _assert_one_sentence(result, f"the landing database {landing} is damaged", "run `pulse load`")
    assert not run.settings.warehouse_path.exists()


# --- a damaged published warehouse -----------------------------------------------------


def _corrupt_blocks_of(warehouse: Path, table: str) -> None:
    """Overwrite a storage block that only `table` uses, so that its checksum fails.

    DuckDB files are three 4 KiB headers and then fixed-size blocks; each block starts
    with its checksum, so writing over the rest of it is what a bad disk sector does.
    """
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        block_size = con.execute("select block_size from pragma_database_size()").fetchone()[0]
        owners: dict[int, set[str]] = {}
        for (name,) in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
        ).fetchall():
            for (block,) in con.execute(
                f"select distinct block_id from pragma_storage_info('{name}') where block_id >= 0"
            ).fetchall():
                owners.setdefault(block, set()).add(name)
    finally:
        con.close()
    own = sorted(block for block, names in owners.items() if names == {table})
    assert own, f"{table} has no block of its own to damage"
    with warehouse.open("r+b") as handle:
        handle.seek(3 * 4096 + own[0] * block_size + 8)
        handle.write(b"\xff" * 4096)


@pytest.mark.slow
def test_damaged_published_warehouse_falls_back_to_a_full_build(
    built_warehouse: PipelineRun, tmp_path: Path
) -> None:
    run = _data_dir_on(built_warehouse.settings, tmp_path / "data")
    table = "intermediate.int_ticket_status_intervals"  # an incremental model
    con = duckdb.connect(str(run.settings.warehouse_path), read_only=True)
    rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    con.close()
    _corrupt_blocks_of(run.settings.warehouse_path, table)

    result = _pulse(run.env, "build", "--as-of", EXTRACT_END.isoformat(), timeout=600)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    assert ": incremental," in output  # it began as the usual incremental build
    assert f"the published warehouse {run.settings.warehouse_path} is damaged" in output
    assert "Corrupt database file" in output
    assert "falling back to a full build" in output
    con = duckdb.connect(str(run.settings.warehouse_path), read_only=True)
    try:
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == rows
        assert con.execute("select full_refresh from main.pulse_build").fetchone()[0] is True
    finally:
        con.close()


def test_truncated_published_warehouse_builds_in_full_saying_why(
    tiny: Settings,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    build(tiny, as_of=None, full_refresh=True)
    os.truncate(tiny.warehouse_path, tiny.warehouse_path.stat().st_size // 2)
    capsys.readouterr()

    summary = build(tiny, as_of=None, full_refresh=False)

    out = capsys.readouterr().out
    assert "full (the published warehouse is damaged: " in out
    assert summary.full_refresh
    con = duckdb.connect(str(tiny.warehouse_path), read_only=True)
    try:
        assert con.execute("select n from main.tickets").fetchone()[0] == 1
    finally:
        con.close()
