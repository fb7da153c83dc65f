"""`pulse build`: run the dbt project into a new file and publish it atomically.

The published warehouse (`settings.warehouse_path`) is only ever replaced by a
complete, checked build (DESIGN s2, s8):

1. Take the load/build lock, then delete leftovers of killed builds in `builds_dir`.
2. Copy the published warehouse to `builds_dir/next.duckdb` (incremental models
   need their previous state), or start from an empty file with `full_refresh`.
3. Run `dbt build` in a child process with the landing database attached read-only,
   printing concise progress (nodes done / total, failures so far).
4. If dbt reports any error or failing error-severity test: print one screen naming
   the failed nodes and their one-line messages, delete the new file, raise PulseError.
   The published warehouse is untouched.
5. Otherwise write `main.pulse_build`, `main.pulse_build_models`,
   `main.pulse_build_tests` and `main.pulse_build_history`, CHECKPOINT, close, fsync,
   and `os.replace` the file onto the published path (readers holding the old file
   keep reading it; new connections see the new one).

dbt runs as a child process rather than in-process: each build gets a clean
interpreter (dbt keeps global adapter state), memory is measurable per step, and the
child is killed by the kernel if `pulse build` itself dies (PR_SET_PDEATHSIG), so a
`kill -9` never leaves an orphan writing into `builds_dir`. Its JSON log stream gives
progress; `run_results.json` gives the per-node outcome for the failure screen.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.core.errors import PulseError, data_dir_error
from warehouse.core.settings import DBT_PROJECT_DIR, Settings
from warehouse.pipeline.lock import pulse_lock

FAILED_STATUSES = {"error", "fail", "runtime error"}
RESULT_EVENTS = {
    "LogModelResult",
    "LogTestResult",
    "LogSeedResult",
    "LogSnapshotResult",
    "LogNodeNoOpResult",
    "SkippingDetails",
    "LogHookEndLine",
}
MAX_FAILURE_LINES = 15
BUILD_FILE_NAME = "next.duckdb"
# Start of the summary line with the seconds per stage (read back by `make bench`).
STAGES_LABEL = "stages:"


@dataclass
class BuildSummary:
    build_id: str
    as_of: datetime
    built_at: datetime
    status: str  # "success" (a failed build raises PulseError instead)
    full_refresh: bool
    seconds: float
    models: int = 0
    tests_passed: int = 0
    tests_warned: int = 0
    model_rows: dict[str, int] = field(default_factory=dict)
    published_path: Path | None = None
    # wall seconds per stage (copy of the published state, dbt, recording the build,
    # publishing): what `make bench` reports of an incremental build (issue 16 item 4)
    stage_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class _NodeResult:
    unique_id: str
    resource_type: str
    status: str
    message: str
    failures: int | None
    seconds: float
    relation: str | None


def new_build_id(now: datetime | None = None) -> str:
    """UTC timestamp with milliseconds, sortable and safe as a file name."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.strftime("%Y%m%dT%H%M%S") + f"_{now.microsecond // 1000:03d}Z"


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("dbt")
    if not found:
        raise PulseError("dbt is not installed in this environment: run `make install`")
    return found


def dbt_dirs(settings: Settings) -> tuple[Path, Path]:
    """dbt's target/ and logs/ for this data directory (gitignored, never shared)."""
    base = settings.data_dir / "dbt"
    return base / "target", base / "logs"


def project_dir_of(settings: Settings) -> Path:
    return Path(settings.extra.get("dbt_project_dir", str(DBT_PROJECT_DIR)))


def project_fingerprint(project_dir: Path, dbt_vars: str = "") -> str:
    """SHA-256 over everything dbt reads of the project (models and their YAML, macros,
    seeds, snapshots, singular tests and config) and the `--vars` the build passes
    (`dbt_vars`).

    Incremental models are only valid on top of state built by the same code and
    reference data: when the fingerprint differs from the published build's, the next
    build is a full one. That covers seeds (SLA policies, holidays, business schedules)
    and the business time zone, which change rows of every ticket without any ticket
    changing: the incremental models carry closed tickets' rows and would keep them.
    The tests are in it too, because an incremental build carries the results of the
    tests it does not run (unit tests, reference-data tests): a result is only carried
    while the test's code is the one that produced it.
    """
    import yaml

    config_file = project_dir / "dbt_project.yml"
    config = yaml.safe_load(config_file.read_text()) if config_file.is_file() else {}
    roots: list[Path] = []
    for key, default in (
        ("model-paths", ["models"]),
        ("macro-paths", ["macros"]),
        ("seed-paths", ["seeds"]),
        ("snapshot-paths", ["snapshots"]),
        ("test-paths", ["tests"]),
    ):
        roots += [(project_dir / p).resolve() for p in (config or {}).get(key, default)]
    digest = hashlib.sha256(b"vars\0" + dbt_vars.encode() + b"\0")
    for extra in ("dbt_project.yml", "packages.yml", "dependencies.yml"):
        path = project_dir / extra
        if path.is_file():
            digest.update(extra.encode() + b"\0" + path.read_bytes() + b"\0")
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.suffix in {".pyc"} or "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root.parent)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def database_damage(path: Path) -> str | None:
    """Why the DuckDB file at `path` cannot be trusted, or None when it looks whole.

    Cheap checks, no table scans: the file opens, its catalog reads, and it is at least
    as long as the blocks in use need (three 4 KiB headers, then `used_blocks` blocks).
    A file cut short by a full disk or a bad copy fails the last one even when it still
    opens. Not `total_blocks`: that counts free blocks too, and DuckDB truncates free
    blocks off the end of the file, so an ordinary load that frees some (an upsert
    replacing rows) leaves a whole file shorter than `total_blocks` say. Damage inside a
    block only shows when that block is read; `build` catches that from dbt's messages
    instead (`_mentions_damage`).
    """
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise PulseError(
                f"{path} is held by another process ({_first_line(exc)}): stop it and retry"
            ) from None
        return _first_line(exc)
    try:
        block_size, used_blocks = con.execute(
            "select block_size, used_blocks "
            "from pragma_database_size() where database_name = current_database()"
        ).fetchone()
        con.execute("select count(*) from duckdb_tables()").fetchone()
    except duckdb.Error as exc:
        return _first_line(exc)
    finally:
        con.close()
    expected = 3 * 4096 + int(used_blocks) * int(block_size)
    actual = path.stat().st_size
    if actual < expected:
        return (
            f"the file is {actual:,} bytes but the blocks its header lists in use need "
            f"{expected:,}: it was cut short"
        )
    return None


def _published_build_value(warehouse: Path, column: str) -> object | None:
    """One column of the published build's `pulse_build` row, or None when unreadable."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(f"select {column} from main.pulse_build limit 1").fetchone()
        return row[0] if row and row[0] is not None else None
    except duckdb.Error:
        return None
    finally:
        con.close()


def published_fingerprint(warehouse: Path) -> str | None:
    """The project fingerprint recorded by the published build, if any."""
    value = _published_build_value(warehouse, "project_fingerprint")
    return str(value) if value else None


def published_as_of(warehouse: Path) -> datetime | None:
    """The as-of time (UTC) the published build was computed for, if recorded."""
    value = _published_build_value(warehouse, "as_of")
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# How DuckDB words a damaged file: a block whose checksum is wrong, a read past the end
# of a truncated file, or a file that is not a database at all.
_DAMAGE_MARKERS = (
    "corrupt database file",
    "does not match stored checksum",
    "could not read enough bytes from file",
    "is not a valid duckdb database file",
)


def _mentions_damage(messages: list[str]) -> str | None:
    """The first message that says a database file is damaged, or None."""
    for message in messages:
        for line in message.splitlines():
            if any(marker in line.lower() for marker in _DAMAGE_MARKERS):
                return line.strip()
    return None


def _mentions_full_disk(messages: list[str]) -> bool:
    return any("no space left on device" in m.lower() for m in messages)


def _mentions_out_of_memory(messages: list[str]) -> bool:
    return any("out of memory error" in m.lower() for m in messages)


def _merge_retry_results(target_dir: Path, first_run: dict) -> None:
    """Write into target/run_results.json the first run's results with the nodes that
    `dbt retry` ran again replaced by their new ones. dbt's own file then lists only
    the retried nodes; merged, it describes the whole build, as it does for a build
    that ran once (the build's record and the bench read it)."""
    path = target_dir / "run_results.json"
    try:
        retried = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    again = {item.get("unique_id"): item for item in retried.get("results", [])}
    merged = [again.pop(item.get("unique_id"), item) for item in first_run.get("results", [])]
    first_run["results"] = merged + list(again.values())
    first_run["elapsed_time"] = float(first_run.get("elapsed_time") or 0.0) + float(
        retried.get("elapsed_time") or 0.0
    )
    path.write_text(json.dumps(first_run))


@contextlib.contextmanager
def _on_disk(doing: str) -> Iterator[None]:
    """Turn the file system refusing a step (OSError, or DuckDB's wording of one) into
    one sentence naming the step, the cause and what to do."""
    try:
        yield
    except OSError as exc:
        raise data_dir_error(exc, doing) from None
    except duckdb.IOException as exc:
        text = str(exc).lower()
        for marker, number in (
            ("no space left on device", errno.ENOSPC),
            ("read-only file system", errno.EROFS),
            ("permission denied", errno.EACCES),
        ):
            if marker in text:
                raise data_dir_error(OSError(number, marker), doing) from None
        raise


def _kill_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _remove_db_file(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


def clean_stale_builds(settings: Settings) -> list[Path]:
    """Delete files left in builds_dir by killed builds (call only under the lock)."""
    removed: list[Path] = []
    if settings.builds_dir.is_dir():
        for leftover in settings.builds_dir.iterdir():
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
                removed.append(leftover)
    if settings.temp_dir.is_dir():  # DuckDB spill files of a killed step
        for spill in settings.temp_dir.glob("duckdb_temp_*"):
            with contextlib.suppress(OSError):
                if spill.is_file():
                    spill.unlink()
                else:
                    shutil.rmtree(spill)
    return removed


def _fsync_path(path: Path, *, directory: bool = False) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if directory else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Progress:
    """One short line per step of progress; rewritten in place on a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stdout.isatty()
        self.done = 0
        self.total = 0
        self.failed = 0
        self.last_print = 0.0
        self.last_text = ""
        self.errors: list[str] = []

    def feed(self, line: str) -> None:
        try:
            event = json.loads(line)
            info, data = event["info"], event.get("data", {})
        except (ValueError, KeyError, TypeError):
            return
        name = info.get("name")
        if info.get("level") == "error" and info.get("msg"):
            self.errors.append(_strip_ansi(info["msg"]).strip())
        if name == "LogStartLine" and data.get("total"):
            self.total = int(data["total"])
        elif name in RESULT_EVENTS:
            self.done += 1
            self.total = max(self.total, int(data.get("total") or data.get("num_models") or 0))
            status = str(data.get("status", "")).lower()
            if status in FAILED_STATUSES or status.startswith("error"):
                self.failed += 1
            self.show()

    def show(self, final: bool = False) -> None:
        if not self.done:
            return
        now = time.monotonic()
        if not final and not self.tty and now - self.last_print < 5 and self.done != self.total:
            return
        self.last_print = now
        text = f"  dbt: {self.done}/{self.total or '?'} nodes done"
        if self.failed:
            text += f", {self.failed} failed"
        if text == self.last_text and not (final and self.tty):
            return
        self.last_text = text
        if self.tty:
            end = "\n" if final else ""
            print(f"\r{text}   ", end=end, flush=True)
        else:
            print(text, flush=True)


def _strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _read_run_results(target_dir: Path) -> list[_NodeResult]:
    path = target_dir / "run_results.json"
    if not path.is_file():
        return []
    try:
        payload = json.loads(path.read_text())
    except ValueError:
        return []
    results = []
    for item in payload.get("results", []):
        unique_id = item.get("unique_id", "?")
        results.append(
            _NodeResult(
                unique_id=unique_id,
                resource_type=unique_id.split(".", 1)[0],
                status=str(item.get("status", "")),
                message=_strip_ansi(str(item.get("message") or "")),
                failures=item.get("failures"),
                seconds=float(item.get("execution_time") or 0.0),
                relation=item.get("relation_name"),
            )
        )
    return results


def _one_line(text: str, width: int = 160) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # dbt prefixes database errors with a generic line; the useful part follows it.
    useful = [line for line in lines if not line.lower().startswith("runtime error in")]
    line = " ".join((useful or lines or ["(no message)"])[:2])
    return line if len(line) <= width else line[: width - 1] + "…"


def _failure_screen(results: list[_NodeResult], stream_errors: list[str], log_dir: Path) -> str:
    failed = [r for r in results if r.status in FAILED_STATUSES]
    skipped = sum(1 for r in results if r.status == "skipped")
    lines = ["", "Build failed; the published warehouse was not changed."]
    if failed:
        lines.append(f"{len(failed)} node(s) failed, {skipped} skipped because of them:")
        for r in failed[:MAX_FAILURE_LINES]:
            node = r.unique_id.split(".")
            name = node[2] if len(node) > 2 else r.unique_id
            what = r.resource_type
            extra = (
                f" ({r.failures} failing rows)" if r.resource_type == "test" and r.failures else ""
            )
            lines.append(f"  - {what} {name}{extra}: {_one_line(r.message)}")
        if len(failed) > MAX_FAILURE_LINES:
            lines.append(f"  ... and {len(failed) - MAX_FAILURE_LINES} more")
    else:
        lines.append("dbt stopped before running the models:")
        detail = [
            part.strip()[:200]
            for message in stream_errors
            for part in message.splitlines()
            if part.strip() and part.strip() != "Encountered an error:"
        ]
        lines.extend(f"  {part}" for part in (detail or ["(no error message)"])[:MAX_FAILURE_LINES])
    lines.append(f"Full dbt log: {log_dir / 'dbt.log'}")
    return "\n".join(lines)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write_build_tables(
    build_file: Path,
    settings: Settings,
    *,
    build_id: str,
    as_of: datetime,
    built_at: datetime,
    full_refresh: bool,
    seconds: float,
    results: list[_NodeResult],
    previous: Path | None = None,
    fingerprint: str | None = None,
) -> dict[str, object]:
    """Record what this build is into the new file; returns the summary figures."""
    import dbt.version

    con = duckdb.connect(str(build_file))
    try:
        tables = {
            (schema, name)
            for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = current_database()"
            ).fetchall()
        }
        model_rows: dict[str, int] = {}
        model_records = []
        for r in results:
            if r.resource_type not in {"model", "seed", "snapshot"}:
                continue
            rows = None
            relation = None
            if r.relation:
                parts = [p.strip('"') for p in r.relation.split(".")]
                schema, name = parts[-2], parts[-1]
                relation = f"{schema}.{name}"  # without the build file's catalog name
                if (schema, name) in tables:
                    quoted = f'"{schema}"."{name}"'
                    rows = int(con.execute(f"select count(*) from {quoted}").fetchone()[0])
                    model_rows[f"{schema}.{name}"] = rows
            model_records.append(
                (build_id, r.unique_id, r.resource_type, relation, r.status, rows, r.seconds)
            )
        tests = [r for r in results if r.resource_type == "unit_test" or r.resource_type == "test"]
        test_records = [
            (
                build_id,
                r.unique_id,
                r.resource_type,
                r.status,
                r.failures,
                r.message or None,
                r.seconds,
            )
            for r in tests
        ]
        if not full_refresh:
            # read before this build's tables below replace the published build's
            ran = {r.unique_id for r in results}
            carried_models = _carry_results(con, "pulse_build_models", ran)
            model_records += carried_models
            model_rows.update(
                {
                    relation: rows
                    for _build, _node, _kind, relation, _status, rows, _s in carried_models
                    if relation and rows is not None
                }
            )
            test_records += _carry_results(con, "pulse_build_tests", ran)
        batches_loaded = batches_failed = rows_rejected = None
        if settings.landing_path.is_file():
            con.execute(
                f"attach {_sql_literal(str(settings.landing_path))} as pulse_landing_ro (read_only)"
            )
            try:
                row = con.execute(
                    "select count(*) filter (where status = 'loaded'), "
                    "count(*) filter (where status = 'failed'), "
                    "coalesce(sum(rows_rejected) filter (where status = 'loaded'), 0) "
                    "from pulse_landing_ro.raw.load_manifest"
                ).fetchone()
                batches_loaded, batches_failed, rows_rejected = (int(v) for v in row)
            except duckdb.Error:
                pass  # an older landing without a manifest: leave the figures empty
            finally:
                con.execute("detach pulse_landing_ro")

        summary = {
            "models": sum(1 for r in results if r.resource_type == "model"),
            "tests_passed": sum(1 for r in tests if r.status == "pass"),
            "tests_warned": sum(1 for r in tests if r.status == "warn"),
            "model_rows": model_rows,
        }
        naive = lambda d: d.astimezone(UTC).replace(tzinfo=None)  # noqa: E731
        build_row = (
            build_id,
            naive(as_of),
            naive(built_at),
            "success",
            dbt.version.__version__,
            duckdb.__version__,
            full_refresh,
            round(seconds, 3),
            summary["models"],
            summary["tests_passed"],
            summary["tests_warned"],
            batches_loaded,
            batches_failed,
            rows_rejected,
            json.dumps(model_rows, sort_keys=True),
            fingerprint,
        )
        _carry_history(con, previous)
        con.execute("begin")
        con.execute(
            """
            create or replace table main.pulse_build (
                build_id varchar not null, as_of timestamp not null, built_at timestamp not null,
                status varchar not null, dbt_version varchar, duckdb_version varchar,
                full_refresh boolean, build_seconds double, models_built integer,
                tests_passed integer, tests_warned integer, batches_loaded integer,
                batches_failed integer, rows_rejected bigint, model_row_counts json,
                project_fingerprint varchar
            )"""
        )
        con.execute(
            f"insert into main.pulse_build values ({', '.join('?' * len(build_row))})", build_row
        )
        # union by name: a history written by an older layout gains the new columns
        con.execute(
            "create table if not exists main.pulse_build_history as "
            "select * from main.pulse_build where false"
        )
        con.execute(
            "create or replace table main.pulse_build_history as "
            "select * from main.pulse_build_history union all by name "
            "select * from main.pulse_build"
        )
        _replace_record_table(con, "pulse_build_models", model_records)
        _replace_record_table(con, "pulse_build_tests", test_records)
        con.execute("commit")
        con.execute("checkpoint")
    finally:
        con.close()
    return summary


# The build's per-node record tables: their columns and types, in the order of the
# tuples written into them (this build's records and those carried from the last one).
RECORD_COLUMNS = {
    "pulse_build_models": (
        ("build_id", "varchar"),
        ("node", "varchar"),
        ("resource_type", "varchar"),
        ("relation", "varchar"),
        ("status", "varchar"),
        ("row_count", "bigint"),
        ("seconds", "double"),
    ),
    "pulse_build_tests": (
        ("build_id", "varchar"),
        ("node", "varchar"),
        ("resource_type", "varchar"),
        ("status", "varchar"),
        ("failures", "bigint"),
        ("message", "varchar"),
        ("seconds", "double"),
    ),
}


def _replace_record_table(con: duckdb.DuckDBPyConnection, table: str, records: list[tuple]) -> None:
    """Write `table` (a key of RECORD_COLUMNS) afresh with `records`, one row per node."""
    columns = RECORD_COLUMNS[table]
    con.execute(
        f"create or replace table main.{table} "
        f"({', '.join(f'{name} {kind}' for name, kind in columns)})"
    )
    if records:
        con.executemany(
            f"insert into main.{table} values ({', '.join('?' * len(columns))})", records
        )


def _carry_results(con: duckdb.DuckDBPyConnection, table: str, ran: set[str]) -> list[tuple]:
    """The rows of `pulse_build_models` or `pulse_build_tests` (`table`) that the build
    this incremental build continues from recorded for nodes this one did not run.

    An incremental build skips the dbt unit tests, the seeds and the reference-data
    models with their tests (`_incremental_exclusions`): their results cannot differ
    from the published build's, whose fingerprint (code, seeds, tests, vars) is this
    build's. The build file starts as a copy of the published warehouse, so the table
    still holds those rows, each with the id of the build that ran the node.
    """
    names = [name for name, _kind in RECORD_COLUMNS[table]]
    try:
        rows = con.execute(f"select {', '.join(names)} from main.{table}").fetchall()
    except duckdb.CatalogException:
        return []
    node = names.index("node")
    return [row for row in rows if row[node] not in ran]


def _carry_history(con: duckdb.DuckDBPyConnection, previous: Path | None) -> None:
    """A full build starts from an empty file: bring the build history along."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' and table_name = 'pulse_build_history'"
    ).fetchone()[0]
    if exists or previous is None or not previous.is_file():
        return
    try:
        con.execute(f"attach {_sql_literal(str(previous))} as pulse_previous (read_only)")
    except duckdb.Error:
        return  # an unreadable old warehouse: history starts again
    try:
        con.execute(
            "create table main.pulse_build_history as select * from "
            "pulse_previous.main.pulse_build_history order by built_at desc limit 999"
        )
    except duckdb.Error:
        pass
    finally:
        con.execute("detach pulse_previous")


def _publish(build_file: Path, target: Path) -> None:
    """fsync the finished file and rename it over the published warehouse."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _fsync_path(build_file)
    if build_file.stat().st_dev != target.parent.stat().st_dev:
        # rename only swaps atomically within one file system: copy next to the target first
        staging = target.with_name(f".{target.name}.{build_file.stem}.tmp")
        try:
            shutil.copyfile(build_file, staging)
            _fsync_path(staging)
        except OSError:
            staging.unlink(missing_ok=True)  # a half copy must not fill the disk
            raise
        build_file.unlink()
        build_file = staging
    os.replace(build_file, target)
    _fsync_path(target.parent, directory=True)


class _DamagedState(Exception):
    """An incremental build found the published state it continues from damaged."""


# What identifies a batch in raw.load_manifest; the row counts are left out, since a
# later tickets batch may move earlier events to the rejects (load.py).
_BATCH_IDENTITY = "batch_id, entity, file_name, content_hash, status"


def _manifest_rows(path: Path, table: str, up_to: int | None = None) -> list[tuple] | None:
    """The batch identities in `table` of the DuckDB file at `path` (batch ids up to
    `up_to` when given), in load order; None when the table cannot be read."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        where = "" if up_to is None else f" where batch_id <= {int(up_to)}"
        return con.execute(
            f"select {_BATCH_IDENTITY} from {table}{where} order by batch_id"
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()


def landing_rewritten(settings: Settings) -> str | None:
    """How the landing database differs from the one the published build read, or None
    when it only has batches added since.

    An incremental build recomputes the tickets of batches newer than the published
    build's and carries every other ticket's rows (DECISIONLOG, "A refresh whose cost
    follows the change"). That holds only while the landing keeps every batch the
    published build read. A landing database moved away and loaded again from other
    files numbers its batches from 1 again, so its batches look old: the tickets they
    no longer hold would be carried, and the ones they changed left alone. The published
    warehouse keeps the manifest it was built from (`fct_dq_load_manifest`): every batch
    in it must still be in the landing, with the same entity, file, content and status.
    """
    published = _manifest_rows(settings.warehouse_path, "main.fct_dq_load_manifest")
    if published is None:
        return "the published warehouse does not say which batches it read"
    if not published:
        return None
    landed = _manifest_rows(settings.landing_path, "raw.load_manifest", up_to=published[-1][0])
    if landed is None:
        return "the landing database has no load manifest"
    now = {row[0]: row for row in landed}
    for row in published:
        batch_id, entity, file_name = row[0], row[1], row[2]
        current = now.get(batch_id)
        if current is None:
            return f"batch {batch_id} ({entity}/{file_name}) is gone from the landing database"
        if current[1:3] != row[1:3]:
            return f"batch {batch_id} was {entity}/{file_name} and is now {current[1]}/{current[2]}"
        if current != row:
            return f"batch {batch_id} ({entity}/{file_name}) has other content or status now"
    return None


def _check_landing(settings: Settings) -> None:
    """The landing database is whole, or PulseError saying what to do (under the lock:
    a load writing it at the same moment would look half-written)."""
    path = settings.landing_path
    damage = database_damage(path)
    if damage:
        raise PulseError(
            f"the landing database {path} is damaged ({damage}); the published warehouse "
            "is unchanged — restore the file from a backup, or move it away and run "
            "`pulse load` to land the raw extracts again"
        )


def _choose_mode(
    settings: Settings, fingerprint: str, full_refresh: bool, as_of: datetime
) -> tuple[bool, str]:
    """Incremental or full, and the words that say why.

    An as-of time earlier than the published build's is a full build: the incremental
    models carry each ticket's rows until its events change, and a ticket whose events
    all lie after the new as-of time would keep the rows of the later time.
    """
    if full_refresh:
        return False, "full"
    if not settings.warehouse_path.is_file():
        return False, "full (no published warehouse yet)"
    damage = database_damage(settings.warehouse_path)
    if damage:
        return False, f"full (the published warehouse is damaged: {damage})"
    if published_fingerprint(settings.warehouse_path) != fingerprint:
        # incremental state built by other model code cannot be trusted
        return False, "full (the dbt project changed since the published build)"
    previous = published_as_of(settings.warehouse_path)
    if previous is not None and as_of < previous:
        return False, (
            f"full (as of {as_of:%Y-%m-%d %H:%M:%S} UTC is earlier than the published "
            f"build's {previous:%Y-%m-%d %H:%M:%S} UTC)"
        )
    rewritten = landing_rewritten(settings)
    if rewritten:
        return (
            False,
            f"full (the landing database is not the one the published build read: {rewritten})",
        )
    return True, "incremental"


def build(settings: Settings, *, as_of: datetime | None, full_refresh: bool) -> BuildSummary:
    """Build the warehouse with dbt and publish it; raise PulseError if anything fails.

    An incremental build whose published state turns out to be damaged (a block that
    fails its checksum, a file cut short) starts again as a full build and says so:
    the landing database holds everything a full build needs.
    """
    if not settings.landing_path.is_file():
        raise PulseError(f"no landing database at {settings.landing_path}: run `pulse load` first")
    as_of = (as_of or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    started = time.monotonic()
    with pulse_lock(settings, "build"):
        _check_landing(settings)
        with _on_disk(f"cannot build: cannot prepare {settings.builds_dir}"):
            removed = clean_stale_builds(settings)
            if removed:
                print(f"removed {len(removed)} leftover file(s) of an interrupted build")
            settings.builds_dir.mkdir(parents=True, exist_ok=True)
            settings.temp_dir.mkdir(parents=True, exist_ok=True)
        built_at = datetime.now(UTC)
        build_id = new_build_id(built_at)
        # One fixed name: dbt's profile (whose path comes from PULSE_BUILD_PATH) then
        # stays the same from build to build, which keeps dbt's partial parsing usable.
        # The lock makes builds one at a time; the build id lives in pulse_build.
        build_file = settings.builds_dir / BUILD_FILE_NAME
        fingerprint = project_fingerprint(project_dir_of(settings), _dbt_vars(settings))
        incremental, mode = _choose_mode(settings, fingerprint, full_refresh, as_of)
        print(f"build {build_id}: {mode}, as of {as_of:%Y-%m-%d %H:%M:%S} UTC", flush=True)
        published = False
        try:
            try:
                figures = _build_into(
                    build_file,
                    settings,
                    build_id=build_id,
                    as_of=as_of,
                    built_at=built_at,
                    started=started,
                    incremental=incremental,
                    fingerprint=fingerprint,
                )
            except _DamagedState as exc:
                print(
                    f"the published warehouse {settings.warehouse_path} is damaged ({exc}); "
                    "falling back to a full build from the landing database",
                    flush=True,
                )
                incremental = False
                _remove_db_file(build_file)
                figures = _build_into(
                    build_file,
                    settings,
                    build_id=build_id,
                    as_of=as_of,
                    built_at=built_at,
                    started=started,
                    incremental=False,
                    fingerprint=fingerprint,
                )
            clock = time.monotonic()
            with _on_disk(f"cannot publish {build_file} as {settings.warehouse_path}"):
                _publish(build_file, settings.warehouse_path)
            published = True
            stage_seconds = dict(figures["stages"])
            stage_seconds["publish"] = time.monotonic() - clock
        finally:
            if not published:
                _remove_db_file(build_file)
    seconds = time.monotonic() - started
    summary = BuildSummary(
        build_id=build_id,
        as_of=as_of,
        built_at=built_at,
        status="success",
        full_refresh=not incremental,
        seconds=seconds,
        models=int(figures["models"]),
        tests_passed=int(figures["tests_passed"]),
        tests_warned=int(figures["tests_warned"]),
        model_rows=dict(figures["model_rows"]),
        published_path=settings.warehouse_path,
        stage_seconds=stage_seconds,
    )
    _print_summary(summary)
    return summary


def _build_into(
    build_file: Path,
    settings: Settings,
    *,
    build_id: str,
    as_of: datetime,
    built_at: datetime,
    started: float,
    incremental: bool,
    fingerprint: str,
) -> dict[str, object]:
    """Run dbt into `build_file` and record the build there; returns the summary figures.

    Raises `_DamagedState` when an incremental run fails because the copied published
    state is damaged, PulseError for every other failure.
    """
    stages: dict[str, float] = {}
    if incremental:
        clock = time.monotonic()
        with _on_disk(f"cannot build: cannot copy {settings.warehouse_path} to {build_file}"):
            shutil.copyfile(settings.warehouse_path, build_file)
        stages["copy"] = time.monotonic() - clock
    clock = time.monotonic()
    with _on_disk(f"cannot build: dbt cannot write {build_file}"):
        results, stream_errors, returncode = _run_dbt(
            settings, build_file, as_of=as_of, full_refresh=not incremental
        )
    target_dir, log_dir = dbt_dirs(settings)
    failed = [r for r in results if r.status in FAILED_STATUSES]
    if failed and settings.threads > 1 and _mentions_out_of_memory([r.message for r in failed]):
        # DuckDB's memory_limit is shared by the queries dbt runs side by side; most
        # operators spill, but two large ones at once can still exhaust it. Running what
        # failed or was skipped again, one node at a time, gives each the whole limit:
        # the build slows down instead of failing (DESIGN s8, "spilling rather than
        # failing"; DECISIONLOG, "Memory").
        print(
            f"dbt ran out of memory in {len(failed)} node(s) running {settings.threads} at "
            f"a time (memory_limit {settings.memory_limit}); running them and the nodes "
            "they held up again, one at a time",
            flush=True,
        )
        first_run = json.loads((target_dir / "run_results.json").read_text())
        with _on_disk(f"cannot build: dbt cannot write {build_file}"):
            _, stream_errors, returncode = _run_dbt(
                settings, build_file, as_of=as_of, full_refresh=not incremental, retry=True
            )
            _merge_retry_results(target_dir, first_run)
        results = _read_run_results(target_dir)
        failed = [r for r in results if r.status in FAILED_STATUSES]
    stages["dbt"] = time.monotonic() - clock
    if returncode != 0 or failed:
        messages = [r.message for r in failed] + stream_errors
        damage = _mentions_damage(messages)
        if incremental and damage:
            raise _DamagedState(damage)
        if _mentions_full_disk(messages):  # every node fails alike: the sentence says it all
            full = OSError(errno.ENOSPC, "no space left on device")
            raise data_dir_error(full, f"cannot build: dbt ran out of space for {build_file}")
        print(_failure_screen(results, stream_errors, log_dir), flush=True)
        if incremental:
            print(
                "This was an incremental build on the published state; if the error "
                "is about that state, run `pulse build --full-refresh`.",
                flush=True,
            )
        if damage:  # a full build reads only the landing database and the seeds
            raise PulseError(
                f"build failed because a database file is damaged ({damage}); the published "
                f"warehouse is unchanged — the landing database {settings.landing_path} is the "
                "likely one: restore it from a backup, or move it away and run `pulse load`"
            )
        what = (
            f"{len(failed)} dbt node(s) failed"
            if failed
            else f"dbt exited with status {returncode}"
        )
        raise PulseError(
            f"build failed ({what}); the published warehouse is unchanged — "
            "fix the models or data named above and run `pulse build` again"
        )
    try:
        clock = time.monotonic()
        with _on_disk(f"cannot build: cannot record the build in {build_file}"):
            figures = _write_build_tables(
                build_file,
                settings,
                build_id=build_id,
                as_of=as_of,
                built_at=built_at,
                full_refresh=not incremental,
                seconds=time.monotonic() - started,
                results=results,
                previous=settings.warehouse_path,
                fingerprint=fingerprint,
            )
        stages["record"] = time.monotonic() - clock
        return {**figures, "stages": stages}
    except duckdb.Error as exc:
        # the copied state's history and unit-test results are read here
        damage = _mentions_damage([str(exc)])
        if incremental and damage:
            raise _DamagedState(damage) from None
        raise


def _print_summary(summary: BuildSummary) -> None:
    marts = {k: v for k, v in summary.model_rows.items() if k.startswith("main.")}
    print(
        f"published {summary.published_path} (build {summary.build_id}) "
        f"in {summary.seconds:.1f} s: "
        f"{summary.models} models, {summary.tests_passed} tests passed"
        + (f", {summary.tests_warned} warnings" if summary.tests_warned else ""),
        flush=True,
    )
    if marts:
        shown = sorted(marts.items())[:24]
        print("  " + ", ".join(f"{k.removeprefix('main.')}={v:,}" for k, v in shown))
    if summary.stage_seconds:
        print(
            f"  {STAGES_LABEL} "
            + ", ".join(f"{name} {sec:.1f} s" for name, sec in summary.stage_seconds.items()),
            flush=True,
        )


def _incremental_exclusions() -> list[str]:
    """What an incremental build leaves to the full build it continues from.

    It only ever runs on the published build's project (same fingerprint: code, seeds,
    tests, vars), so nodes that read neither the landing data nor the as-of time would
    produce what the published build did: the dbt unit tests (model code against
    fixtures), the seeds, and the models tagged `reference_data` in dbt_project.yml,
    with the data tests that read nothing else. Their tables are in the copied file
    and their results are carried (`_carry_results`). `cautious` keeps a test that
    also reads a rebuilt model (a relationship from a fact to dim_date, the holiday
    calendar's coverage of the tickets' dates): dbt's default drops a test when any of
    its parents is excluded.
    """
    return [
        "--exclude",
        "test_type:unit",
        "resource_type:seed",
        "tag:reference_data",
        "--indirect-selection",
        "cautious",
    ]


def _dbt_vars(settings: Settings) -> str:
    """The `--vars` of every dbt call for these settings (part of the fingerprint)."""
    return json.dumps({"business_timezone": settings.timezone})


def _run_dbt(
    settings: Settings,
    build_file: Path,
    *,
    as_of: datetime,
    full_refresh: bool,
    retry: bool = False,
) -> tuple[list[_NodeResult], list[str], int]:
    """Run `dbt build` into `build_file`; with `retry`, `dbt retry --threads 1` instead,
    which runs the failed and skipped nodes of the run before it (its run_results.json)
    with that run's selection and flags. Returns the nodes' results (of this run only),
    the error lines dbt printed and its exit status."""
    target_dir, log_dir = dbt_dirs(settings)
    target_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    if not retry:
        (target_dir / "run_results.json").unlink(missing_ok=True)
    project_dir = project_dir_of(settings)
    env = dict(os.environ)
    env.update(
        PULSE_BUILD_PATH=str(build_file.resolve()),
        PULSE_LANDING=str(settings.landing_path.resolve()),
        PULSE_TEMP_DIR=str(settings.temp_dir.resolve()),
        PULSE_MEMORY_LIMIT=str(settings.memory_limit),
        PULSE_THREADS=str(settings.threads),
        # An environment variable, not --vars: a changed --vars value forces dbt to
        # parse the whole project again (about 5 s a build); see pulse_as_of_text().
        PULSE_AS_OF=as_of.strftime("%Y-%m-%d %H:%M:%S"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
    )
    vars_yaml = _dbt_vars(settings)
    cmd = [
        dbt_executable(),
        "--no-send-anonymous-usage-stats",
        "retry" if retry else "build",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target_dir),
        "--log-path",
        str(log_dir),
        "--log-format",
        "json",
        "--log-format-file",
        "text",
        "--vars",
        vars_yaml,
    ]
    if retry:
        cmd += ["--threads", "1"]
    elif full_refresh:
        cmd.append("--full-refresh")
        if not settings.unit_tests:  # the settings say so (`unit_tests = false`)
            cmd += ["--exclude", "test_type:unit"]
    else:
        cmd += _incremental_exclusions()
    progress = _Progress()
    proc = subprocess.Popen(
        cmd,
        cwd=project_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        preexec_fn=_kill_with_parent,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            progress.feed(line)
        returncode = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    progress.show(final=True)
    return _read_run_results(target_dir), progress.errors, returncode
