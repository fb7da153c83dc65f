"""`pulse load`: validate extract batches and land them in the landing database.

One batch is one file `<raw_dir>/<entity>/<name>.{csv,csv.gz,parquet,jsonl}` (DESIGN s3).
Entities load in dependency order (tickets before ticket_events, so an event can be
checked against its ticket), batches of an entity in file-name order. For each batch:

1. hash it (SHA-256); if the same entity, file name and content were loaded before,
   skip it (loading is idempotent); the same name with new content is a corrected
   re-export and is loaded like any new batch;
2. read it all-text into a staging table (`loading.readers`): whole-file problems
   (truncated, not the format its name says, undecodable, no header, a required column
   missing) refuse the file with one sentence naming it; nothing of it lands;
3. type and check every row in one SQL pass (`loading.validation`);
4. in one transaction: upsert the good rows (`loading.upsert`), append the rejected
   rows to `raw.load_rejects`, append the batch to `raw.load_manifest`. A kill -9
   at any moment leaves the landing database at a batch boundary.

Decisions where DESIGN is silent:
- the manifest gets one row per batch landed or refused; a skipped batch is reported in
  the summary but not written again, and a refused file that fails again unchanged
  with the same error is not written twice (refresh would otherwise add rows forever);
- events whose ticket is not (yet) landed are kept and counted as orphans;
- files and directories the loader does not know are listed as ignored in the output
  (dot-files such as `.gitkeep` excepted), never silently dropped;
- a refused file makes the command exit non-zero, but the other batches still load.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.core.contract import (
    CLOCK_SKEW_ALLOWANCE_SECONDS,
    ENTITIES,
    MANIFEST_MIGRATIONS,
)
from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings
from warehouse.pipeline.landing import create_raw_schema
from warehouse.pipeline.loading.readers import (
    FileRefused,
    file_format,
    normalise_delimiter,
    normalise_encoding,
    remove_scratch,
    safe_excerpt,
    stage_file,
)
from warehouse.pipeline.loading.upsert import upsert_batch
from warehouse.pipeline.loading.validation import CHECKED, check_batch, plausible_range

# Dependency order: referenced entities first; tickets before ticket_events.
LOAD_ORDER: tuple[str, ...] = (
    "accounts",
    "engineers",
    "contracts",
    "opportunities",
    "tickets",
    "ticket_events",
    "vendor_sla_events",
    "qa_reviews",
    "csat_responses",
    "nps_responses",
    "kb_articles",
    "support_costs",
    "okr_manual_values",
)
assert set(LOAD_ORDER) == set(ENTITIES)

LOADED, SKIPPED, FAILED = "loaded", "skipped", "failed"


@dataclass
class BatchResult:
    entity: str
    file_name: str  # relative to the raw directory, '/'-separated
    status: str  # loaded | skipped | failed
    content_hash: str = ""
    batch_id: int | None = None
    rows_read: int = 0
    rows_landed: int = 0
    rows_rejected: int = 0
    orphans: int = 0  # ticket events landed whose ticket is not (yet) known
    file_lines: int | None = None  # physical lines, counted apart from the parser
    late_rejects: int = 0  # earlier-landed events this tickets batch proved invalid
    seconds: float = 0.0
    error: str | None = None
    reject_reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class LoadSummary:
    raw_dir: Path
    batches: list[BatchResult] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # unknown files/dirs, with why
    orphan_events: int = 0  # events in raw.ticket_events whose ticket is unknown, after the load
    seconds: float = 0.0

    def _with(self, status: str) -> list[BatchResult]:
        return [b for b in self.batches if b.status == status]

    @property
    def loaded(self) -> list[BatchResult]:
        return self._with(LOADED)

    @property
    def skipped(self) -> list[BatchResult]:
        return self._with(SKIPPED)

    @property
    def failed(self) -> list[BatchResult]:
        return self._with(FAILED)

    @property
    def failed_files(self) -> list[str]:
        return [b.file_name for b in self.failed]

    @property
    def rows_read(self) -> int:
        return sum(b.rows_read for b in self.loaded)

    @property
    def rows_landed(self) -> int:
        return sum(b.rows_landed for b in self.loaded)

    @property
    def rows_rejected(self) -> int:
        return sum(b.rows_rejected for b in self.loaded)

    @property
    def reject_reasons(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for b in self.loaded:
            total.update(b.reject_reasons)
        return total


# ---------------------------------------------------------------------------------------
# Discovery


@dataclass(frozen=True)
class BatchFile:
    entity: str
    path: Path
    file_name: str
    fmt: str
    # The path resolves outside the raw directory (a symbolic link out of it): the
    # file is refused by name and never opened.
    outside: bool = False


def discover(raw_dir: Path) -> tuple[list[BatchFile], list[str]]:
    """Batch files in load order, and what was found but is not a batch (with why)."""
    found: dict[str, list[BatchFile]] = {name: [] for name in LOAD_ORDER}
    ignored: list[str] = []
    root = raw_dir.resolve()
    for child in sorted(raw_dir.iterdir(), key=lambda p: p.name):
        if child.name.startswith("."):
            continue
        if not child.is_dir():
            ignored.append(f"{child.name}: not inside an entity directory")
            continue
        if child.name not in ENTITIES:
            ignored.append(f"{child.name}/: not an entity of the extract contract")
            continue
        for item in sorted(child.iterdir(), key=lambda p: p.name):
            if item.name.startswith("."):
                continue
            rel = f"{child.name}/{item.name}"
            fmt = file_format(item.name) if item.is_file() else None
            if fmt is None:
                why = "a directory" if item.is_dir() else "unknown extension"
                ignored.append(f"{rel}: {why} (expected .csv, .csv.gz, .parquet or .jsonl)")
                continue
            outside = not item.resolve().is_relative_to(root)
            found[child.name].append(BatchFile(child.name, item, rel, fmt, outside))
    files = [f for name in LOAD_ORDER for f in found[name]]
    return files, ignored


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------
# Connection


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def connect_landing(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Open the landing database for writing with the configured resource limits."""
    path = settings.landing_path
    path.parent.mkdir(parents=True, exist_ok=True)
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise PulseError(
            f"cannot open the landing database {path}: {str(exc).splitlines()[0]}; "
            "is another process using it?"
        ) from None
    except duckdb.Error as exc:
        raise PulseError(
            f"cannot open the landing database {path} ({str(exc).splitlines()[0]}); "
            "if it is damaged, move it away and load again"
        ) from None
    try:
        con.execute(f"set memory_limit = {_sql_text(settings.memory_limit)}")
        con.execute(f"set threads = {int(settings.threads)}")
        con.execute(f"set temp_directory = {_sql_text(str(settings.temp_dir))}")
        con.execute("set preserve_insertion_order = true")
        con.execute("set TimeZone = 'UTC'")
        con.execute("select timezone(?, timestamp '2025-01-01')", [settings.timezone])
    except duckdb.Error as exc:
        con.close()
        raise PulseError(f"invalid load settings: {str(exc).splitlines()[0]}") from None
    try:
        create_raw_schema(con)
        for statement in MANIFEST_MIGRATIONS:
            con.execute(statement)
    except duckdb.Error as exc:
        con.close()
        raise landing_failure(exc, settings) or PulseError(
            f"cannot prepare the landing database {path} ({str(exc).splitlines()[0][:160]}); "
            "if it is damaged, move it away and load again"
        ) from None
    return con


# ---------------------------------------------------------------------------------------
# One batch


def _already_loaded(con: duckdb.DuckDBPyConnection, f: BatchFile, digest: str) -> bool:
    return bool(
        con.execute(
            """
            select count(*) from raw.load_manifest
            where entity = ? and file_name = ? and content_hash = ? and status = 'loaded'
            """,
            [f.entity, f.file_name, digest],
        ).fetchone()[0]
    )


def _record_failure(
    con: duckdb.DuckDBPyConnection, f: BatchFile, digest: str, error: str
) -> int | None:
    """Write a failed manifest row unless the same failure is already recorded."""
    seen = con.execute(
        """
        select max(batch_id) from raw.load_manifest
        where entity = ? and file_name = ? and content_hash = ? and status = 'failed' and error = ?
        """,
        [f.entity, f.file_name, digest, error],
    ).fetchone()[0]
    if seen is not None:
        return int(seen)
    con.begin()
    try:
        batch_id = con.execute(
            "select coalesce(max(batch_id), 0) + 1 from raw.load_manifest"
        ).fetchone()[0]
        con.execute(
            """
            insert into raw.load_manifest
                (batch_id, entity, file_name, content_hash, rows_read, rows_landed,
                 rows_rejected, status, error, loaded_at)
            values (?, ?, ?, ?, 0, 0, 0, 'failed', ?, ?)
            """,
            [batch_id, f.entity, f.file_name, digest, error, _utc_now()],
        )
        con.commit()
    except BaseException:
        _rollback(con)
        raise
    return int(batch_id)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open. A failed commit (a full disk) has
    already ended it, and the rollback's own error would hide the real cause."""
    with contextlib.suppress(duckdb.Error):
        con.rollback()


def landing_failure(exc: duckdb.Error, settings: Settings) -> PulseError | None:
    """The one-sentence error for a landing database that cannot be written or read
    (a full disk, a damaged or truncated file), or None for any other error."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    where = settings.landing_path
    # DuckDB names a full disk on a later line ("Original error: ... No space left").
    everything = str(exc).lower()
    if "no space left" in everything or "disk is full" in everything:
        return PulseError(
            f"the disk holding {where.parent} is full, so the landing database cannot be "
            "written; nothing of the batch being loaded was landed. Free some space there "
            "(or point PULSE_DATA_DIR at a larger disk) and run `pulse load` again"
        )
    if (
        str(where) in message
        or isinstance(exc, duckdb.FatalException)
        or "invalidated" in message
        or "not a valid duckdb database" in message.lower()
    ):
        return PulseError(
            f"the landing database {where} is damaged or truncated ({message[:160]}); move "
            "it away and run `pulse load` again, which rebuilds it from the extracts"
        )
    return None


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _cleanup(con: duckdb.DuckDBPyConnection) -> None:
    for table in (
        "pulse_stage",
        "pulse_stage_rejects",
        "pulse_stage_lines",
        "pulse_stage_errors",
        "pulse_stage_errors_scan",
        "pulse_stage_lines_errors",
        "pulse_stage_lines_errors_scan",
        "pulse_stage_fixed",
        "pulse_stage_lines_fixed",
        CHECKED,
        "pulse_winners",
        "pulse_clash",
        "pulse_late",
    ):
        con.execute(f"drop table if exists {table}")


def load_batch(
    con: duckdb.DuckDBPyConnection,
    f: BatchFile,
    *,
    settings: Settings,
    encoding: str | None,
    delimiter: str | None,
) -> BatchResult:
    started = time.monotonic()
    result = BatchResult(f.entity, f.file_name, LOADED)
    if f.outside:
        message = (
            f"{f.file_name} is a link to a file outside the raw directory and was not read; "
            "copy the extract into the raw directory instead"
        )
        result = _failed(con, f, result, message)
        result.seconds = time.monotonic() - started
        return result
    try:
        result.content_hash = file_hash(f.path)
    except OSError as exc:
        result = _failed(con, f, result, f"{f.file_name} cannot be read ({exc.strerror})")
        result.seconds = time.monotonic() - started
        return result
    if _already_loaded(con, f, result.content_hash):
        result.status = SKIPPED
        result.seconds = time.monotonic() - started
        return result
    entity = ENTITIES[f.entity]
    scratch = settings.temp_dir / "load"
    try:
        staged = stage_file(
            con, f.path, f.fmt, encoding=encoding, delimiter=delimiter, scratch=scratch
        )
        result.notes = staged.notes
        checked = check_batch(con, entity, staged, timezone=settings.timezone)
        result.rows_read = staged.rows_read
        result.file_lines = staged.file_lines
        reader_rejects = con.execute(f"select count(*) from {staged.rejects_table}").fetchone()[0]
        result.rows_rejected = checked.rejected + reader_rejects
        result.orphans = checked.orphans
        con.begin()
        try:
            batch_id = con.execute(
                "select coalesce(max(batch_id), 0) + 1 from raw.load_manifest"
            ).fetchone()[0]
            result.batch_id = int(batch_id)
            result.rows_landed = upsert_batch(con, entity, batch_id=batch_id, file_name=f.file_name)
            con.execute(
                f"""
                insert into raw.load_rejects
                    (batch_id, entity, file_name, line_number, raw_row, reason)
                select ?, ?, ?, _line, _raw_row, _reason from {CHECKED} where _reason is not null
                union all
                select ?, ?, ?, _line, raw_row, reason from {staged.rejects_table}
                """,
                [batch_id, f.entity, f.file_name] * 2,
            )
            if result.rows_read != result.rows_landed + result.rows_rejected:  # pragma: no cover
                raise RuntimeError(
                    f"{f.file_name} does not reconcile: read {result.rows_read}, landed "
                    f"{result.rows_landed}, rejected {result.rows_rejected}"
                )
            if f.entity == "tickets":
                result.late_rejects = _recheck_earlier_events(con, batch_id)
            con.execute(
                """
                insert into raw.load_manifest
                    (batch_id, entity, file_name, content_hash, rows_read, rows_landed,
                     rows_rejected, status, error, loaded_at, file_lines)
                values (?, ?, ?, ?, ?, ?, ?, 'loaded', null, ?, ?)
                """,
                [
                    batch_id,
                    f.entity,
                    f.file_name,
                    result.content_hash,
                    result.rows_read,
                    result.rows_landed,
                    result.rows_rejected,
                    _utc_now(),
                    result.file_lines,
                ],
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise
        if result.rows_rejected:
            result.reject_reasons = dict(
                con.execute(
                    f"""
                    select reason, count(*) from (
                        select _reason as reason from {CHECKED} where _reason is not null
                        union all select reason from {staged.rejects_table}
                    ) group by reason order by count(*) desc, reason
                    """
                ).fetchall()
            )
    except FileRefused as exc:
        result = _failed(con, f, result, f"{f.file_name} {exc}")
    except duckdb.Error as exc:
        fatal = landing_failure(exc, settings)
        if fatal is not None:
            raise fatal from None
        message = safe_excerpt(str(exc).strip().splitlines()[0], 160)
        result = _failed(con, f, result, f"{f.file_name} could not be landed: {message}")
    finally:
        # After a fatal error (a full disk) the connection refuses everything: the
        # cleanup's own error must not hide the cause being raised.
        with contextlib.suppress(duckdb.Error):
            _cleanup(con)
        remove_scratch(scratch)
    result.seconds = time.monotonic() - started
    return result


LATE_EVENT_REASON = (
    f"event_at: before its ticket was created (by more than {CLOCK_SKEW_ALLOWANCE_SECONDS} s; "
    "found when the ticket landed after the event)"
)


def _recheck_earlier_events(con: duckdb.DuckDBPyConnection, batch_id: int) -> int:
    """Give the events already landed for this batch's tickets the check they would have
    had arriving together with them, and move the failures to raw.load_rejects.

    An event loaded before its ticket is kept as an orphan (DESIGN s3), so it was never
    compared with the ticket's `created_at`; a re-exported ticket can also move
    `created_at` past events that passed before. A failing event is deleted from
    raw.ticket_events and written to raw.load_rejects under its own batch, file and line
    (the raw row rebuilt from its landed columns), and that batch's manifest row moves it
    from rows_landed to rows_rejected: rows_read = rows_landed + rows_rejected still holds
    for every batch. Runs inside the tickets batch's transaction.
    """
    con.execute("drop table if exists pulse_late")
    con.execute(
        f"""
        create temp table pulse_late as
        select e.rowid as _rid, e.* from raw.ticket_events e
        join raw.tickets t on t.ticket_id = e.ticket_id
        where t._batch_id = ?
          and e.event_at < t.created_at - interval {CLOCK_SKEW_ALLOWANCE_SECONDS} second
        """,
        [batch_id],
    )
    late = con.execute("select count(*) from pulse_late").fetchone()[0]
    if late:
        columns = ENTITIES["ticket_events"].column_names
        pairs = ", ".join(f"'{c}', {c}::varchar" for c in columns)
        con.execute(
            f"""
            insert into raw.load_rejects
                (batch_id, entity, file_name, line_number, raw_row, reason)
            select _batch_id, 'ticket_events', _file_name, _line_number,
                   cast(json_object({pairs}) as varchar), ?
            from pulse_late
            """,
            [LATE_EVENT_REASON],
        )
        con.execute("delete from raw.ticket_events where rowid in (select _rid from pulse_late)")
        con.execute(
            """
            update raw.load_manifest m
            set rows_landed = m.rows_landed - l.n, rows_rejected = m.rows_rejected + l.n
            from (select _batch_id, count(*) as n from pulse_late group by 1) l
            where m.batch_id = l._batch_id
            """
        )
    con.execute("drop table if exists pulse_late")
    return int(late)


def _failed(
    con: duckdb.DuckDBPyConnection, f: BatchFile, result: BatchResult, error: str
) -> BatchResult:
    failed = BatchResult(
        f.entity, f.file_name, FAILED, content_hash=result.content_hash, error=error
    )
    failed.batch_id = _record_failure(con, f, result.content_hash, error)
    return failed


# ---------------------------------------------------------------------------------------
# Output


def _fmt_int(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def format_batch_line(b: BatchResult) -> str:
    if b.status == FAILED:
        return f"  FAILED  {b.error}"
    if b.status == SKIPPED:
        return f"  skip    {b.file_name:<48} already loaded"
    extra = f"  orphans {_fmt_int(b.orphans)}" if b.orphans else ""
    if b.late_rejects:
        extra += f"  earlier events rejected {_fmt_int(b.late_rejects)}"
    notes = f"  ({', '.join(b.notes)})" if b.notes else ""
    return (
        f"  load    {b.file_name:<48} read {_fmt_int(b.rows_read):>11}  landed "
        f"{_fmt_int(b.rows_landed):>11}  rejected {_fmt_int(b.rows_rejected):>9}  "
        f"{b.seconds:6.1f} s{extra}{notes}"
    )


def format_summary(summary: LoadSummary) -> str:
    lines = ["", f"Load summary ({summary.raw_dir}, {summary.seconds:.1f} s)"]
    lines.append(
        f"  {'entity':<18} {'batches':>7} {'skipped':>7} {'failed':>6} {'read':>12} "
        f"{'landed':>12} {'rejected':>10}"
    )
    for name in LOAD_ORDER:
        rows = [b for b in summary.batches if b.entity == name]
        if not rows:
            continue
        loaded = [b for b in rows if b.status == LOADED]
        lines.append(
            f"  {name:<18} {len(loaded):>7} {sum(b.status == SKIPPED for b in rows):>7} "
            f"{sum(b.status == FAILED for b in rows):>6} "
            f"{_fmt_int(sum(b.rows_read for b in loaded)):>12} "
            f"{_fmt_int(sum(b.rows_landed for b in loaded)):>12} "
            f"{_fmt_int(sum(b.rows_rejected for b in loaded)):>10}"
        )
    lines.append(
        f"  {'total':<18} {len(summary.loaded):>7} {len(summary.skipped):>7} "
        f"{len(summary.failed):>6} {_fmt_int(summary.rows_read):>12} "
        f"{_fmt_int(summary.rows_landed):>12} {_fmt_int(summary.rows_rejected):>10}"
    )
    if not summary.batches:
        lines.append("  no batch files found")
    reasons = summary.reject_reasons
    if reasons:
        lines.append("Rejected rows by reason (details in raw.load_rejects):")
        for reason, count in reasons.most_common(12):
            lines.append(f"  {_fmt_int(count):>10}  {reason}")
        if len(reasons) > 12:
            lines.append(f"  ... and {len(reasons) - 12} more reasons")
    if summary.orphan_events:
        lines.append(
            f"Orphan events: {_fmt_int(summary.orphan_events)} ticket events refer to tickets "
            "not loaded yet (kept; they count once their ticket arrives)"
        )
    if summary.ignored:
        lines.append("Ignored (not batch files):")
        lines.extend(f"  {item}" for item in summary.ignored[:20])
        if len(summary.ignored) > 20:
            lines.append(f"  ... and {len(summary.ignored) - 20} more")
    if summary.failed:
        lines.append(f"Refused files ({len(summary.failed)}), nothing of them was landed:")
        lines.extend(f"  {b.error}" for b in summary.failed)
        lines.append("Fix or replace these files and run `pulse load` again.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Entry point


def load(
    settings: Settings,
    raw_dir: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    echo: Callable[[str], None] | None = None,
) -> LoadSummary:
    """Land every new batch under `raw_dir`; print progress and a summary via `echo`.

    `echo` defaults to printing on stdout; pass `lambda _: None` to stay quiet.
    Raises PulseError for problems with the arguments or the environment; problems with
    an input file are recorded in the summary (`failed_files`) and the manifest instead.
    """
    say = echo if echo is not None else (lambda text: print(text, flush=True))
    try:
        encoding = normalise_encoding(encoding)
        delimiter = normalise_delimiter(delimiter)
        plausible_range()
    except ValueError as exc:
        raise PulseError(str(exc)) from None
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise PulseError(
            f"the raw directory {raw_dir} does not exist; run `pulse generate` or point "
            "--raw / PULSE_RAW_DIR at your extracts"
        )
    from warehouse.pipeline.lock import pulse_lock

    started = time.monotonic()
    summary = LoadSummary(raw_dir=raw_dir)
    files, summary.ignored = discover(raw_dir)
    with pulse_lock(settings, "load"):
        con = connect_landing(settings)
        try:
            say(f"Loading {len(files)} batch files from {raw_dir} into {settings.landing_path}")
            for f in files:
                result = load_batch(
                    con, f, settings=settings, encoding=encoding, delimiter=delimiter
                )
                summary.batches.append(result)
                say(format_batch_line(result))
            summary.orphan_events = con.execute(
                """
                select count(*) from raw.ticket_events e
                where not exists (select 1 from raw.tickets t where t.ticket_id = e.ticket_id)
                """
            ).fetchone()[0]
        except duckdb.Error as exc:
            # Reading the manifest or writing a batch failed on the landing file itself.
            fatal = landing_failure(exc, settings)
            if fatal is None:
                raise
            raise fatal from None
        finally:
            con.close()
    summary.seconds = time.monotonic() - started
    say(format_summary(summary))
    return summary
