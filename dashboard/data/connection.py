"""Sessions on the published warehouse, the per-build result cache, and small query helpers.

One read-only attachment per request (a build replaces the file by atomic rename, so a
request reads exactly one build); results cached by build id, function, arguments and
the part of the viewer that changes the answer.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

CACHE_EXTENSION = "pulse_cache"


READER_EXTENSION = "pulse_reader"


BUILD_HEADER = "X-Pulse-Build"


TICKET_LIST_LIMIT = 500


TIERS = ("premium", "professional", "standard")


PRIORITIES = ("critical", "high", "medium", "low")


METRICS = ("first_response", "resolution")


class NoWarehouse(Exception):
    """The published warehouse file does not exist yet."""


class BrokenWarehouse(Exception):
    """The published warehouse file exists but cannot be read (truncated, garbage,
    damaged): only a new build replaces it."""

    MESSAGE = "the published warehouse cannot be read: run `pulse build --full-refresh`"


# What DuckDB raises for a file it cannot read (as opposed to a missing table or a
# query the dashboard got wrong, which stay programming errors).
_UNREADABLE = (
    duckdb.IOException,
    duckdb.SerializationException,
    duckdb.InternalException,
    duckdb.FatalException,
)


class MissingMart(Exception):
    """A mart the page needs is not in the published warehouse."""

    def __init__(self, table: str):
        super().__init__(table)
        self.table = table


@dataclass
class Session:
    con: duckdb.DuckDBPyConnection
    build_id: str
    as_of: datetime | None
    built_at: datetime | None
    release: Callable[[], None] | None = None

    def close(self) -> None:
        if self.release is not None:
            self.release()
        else:
            self.con.close()


def _attach(path: Path) -> Session:
    """A new in-memory DuckDB with the published file attached read-only as `wh`.

    Attaching from an in-memory instance (rather than `duckdb.connect(path)`) sidesteps
    DuckDB's per-path instance cache, which would keep serving the old file after a
    build renamed a new one into place for as long as any connection to it is open.
    """
    if not path.is_file():
        raise NoWarehouse(str(path))
    stat_before = path.stat()
    con = duckdb.connect(config={"threads": 2})
    try:
        con.execute("attach ? as wh (read_only)", [str(path)])
    except duckdb.Error as exc:
        con.close()
        if not path.is_file():  # replaced or removed between the check and the open
            raise NoWarehouse(str(path)) from exc
        raise BrokenWarehouse(str(path)) from exc
    con.execute("use wh")
    build_id, as_of, built_at = f"mtime-{stat_before.st_mtime_ns}", None, None
    try:
        row = _first(
            con.execute(
                "select build_id, as_of, built_at from main.pulse_build "
                "order by built_at desc limit 1"
            ).fetchall()
        )
        if row:
            build_id, as_of, built_at = str(row[0]), row[1], row[2]
    except _UNREADABLE as exc:
        con.close()
        raise BrokenWarehouse(str(path)) from exc
    except duckdb.Error:
        pass  # older or hand-made warehouse: the file's mtime identifies it
    return Session(con, build_id, as_of, built_at)


class Reader:
    """Per-process handle on the published warehouse (lives in `app.extensions`).

    Attaching costs tens of milliseconds, so the attached instance is kept while the
    file stays the same (same inode, mtime and size) and each request works on its own
    cursor. When a build renames a new file into place, the next request attaches the
    new one; the old instance is retired and closed once the last request still reading
    it has finished, so every request reads exactly one build, whole.
    """

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._current: Session | None = None
        self._active: dict[int, int] = {}  # id(base session) -> cursors in use
        self._retired: dict[int, Session] = {}

    def session(self, path: Path) -> Session:
        try:
            st = path.stat()
        except FileNotFoundError as exc:
            raise NoWarehouse(str(path)) from exc
        key = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._key != key or self._current is None:
                fresh = _attach(path)
                old, self._current, self._key = self._current, fresh, key
                if old is not None:
                    self._retire(old)
            base = self._current
            cursor = base.con.cursor()
            self._active[id(base)] = self._active.get(id(base), 0) + 1
        cursor.execute("use wh")
        sess = Session(cursor, base.build_id, base.as_of, base.built_at)
        sess.release = lambda: self._release(base, cursor)
        return sess

    def _retire(self, old: Session) -> None:
        if self._active.get(id(old), 0) == 0:
            self._active.pop(id(old), None)
            old.con.close()
        else:
            self._retired[id(old)] = old

    def _release(self, base: Session, cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.close()
        with self._lock:
            left = self._active.get(id(base), 1) - 1
            self._active[id(base)] = left
            if left == 0 and id(base) in self._retired:
                self._retired.pop(id(base)).con.close()
                self._active.pop(id(base), None)

    def close(self) -> None:
        with self._lock:
            for sess in [self._current, *self._retired.values()]:
                if sess is not None:
                    sess.con.close()
            self._current, self._key = None, None
            self._retired.clear()
            self._active.clear()


def _session(settings: Any) -> tuple[Session, bool]:
    """(session, owned): the request's session, or a fresh one the caller closes."""
    try:
        from flask import current_app, g, has_request_context
    except ImportError:  # pragma: no cover
        has_request_context = lambda: False  # noqa: E731
    if has_request_context():
        sess = g.get("_pulse_session")
        if sess is None:
            reader = current_app.extensions.get(READER_EXTENSION)
            path = Path(settings.warehouse_path)
            try:
                sess = reader.session(path) if reader is not None else _attach(path)
            except (*_UNREADABLE, duckdb.InvalidInputException) as exc:
                # A cursor on an instance DuckDB invalidated after a read error: the
                # file stays unreadable until a new build replaces it.
                raise BrokenWarehouse(str(path)) from exc
            g._pulse_session = sess
            g.pulse_build = sess.build_id
        return sess, False
    return _attach(Path(settings.warehouse_path)), True


def close_request_session(_exc: object = None) -> None:
    from flask import g

    sess = g.pop("_pulse_session", None)
    if sess is not None:
        sess.close()


def init_app(server: Any, settings: Any, cache_config: dict | None = None) -> None:
    """Attach the result cache, the warehouse reader and per-request sessions to Flask."""
    from flask import g
    from flask_caching import Cache

    config = cache_config or {
        "CACHE_TYPE": "SimpleCache",
        "CACHE_DEFAULT_TIMEOUT": 3600,
        "CACHE_THRESHOLD": 2000,
    }
    cache = Cache(config=config)
    cache.init_app(server)
    server.extensions[CACHE_EXTENSION] = cache
    server.extensions[READER_EXTENSION] = Reader()
    server.teardown_request(close_request_session)

    @server.after_request
    def _build_header(response):
        build = g.get("pulse_build")
        if build:
            response.headers[BUILD_HEADER] = build
        return response


def _cache() -> Any | None:
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover
        return None
    if not has_app_context():
        return None
    return current_app.extensions.get(CACHE_EXTENSION)


def _run(settings: Any, name: str, args: tuple, scope: str, fn: Callable[[Session], Any]) -> Any:
    """Run `fn` on the request's build, through the cache keyed by that build."""
    sess, owned = _session(settings)
    try:
        cache = _cache()
        key = f"pulse:{sess.build_id}:{name}:{scope}:{json.dumps(args, default=str)}"
        if cache is not None:
            hit = cache.get(key)
            if hit is not None:
                return hit
        try:
            result = fn(sess)
        except duckdb.CatalogException as exc:
            raise MissingMart(_missing_table(str(exc))) from exc
        except _UNREADABLE as exc:
            raise BrokenWarehouse(str(settings.warehouse_path)) from exc
        if cache is not None:
            cache.set(key, result)
        return result
    finally:
        if owned:
            sess.con.close()


def _missing_table(message: str) -> str:
    # "Catalog Error: Table with name fct_x does not exist!"
    marker = "name "
    if marker in message:
        return message.split(marker, 1)[1].split(" ", 1)[0].strip()
    return "?"


def _first(rows: list[tuple]) -> tuple | None:
    return rows[0] if rows else None


def _df(sess: Session, sql: str, params: Iterable[Any] = ()) -> pl.DataFrame:
    df = sess.con.sql(sql, params=list(params)).pl()
    # SUM over integers arrives as DECIMAL(38,0); the dashboard works in floats.
    decimals = [name for name, dtype in df.schema.items() if isinstance(dtype, pl.Decimal)]
    return df.with_columns(pl.col(decimals).cast(pl.Float64)) if decimals else df


def _has_table(sess: Session, table: str, schema: str = "main") -> bool:
    row = _first(
        sess.con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    )
    return bool(row and row[0])


def _tz(settings: Any) -> ZoneInfo:
    return ZoneInfo(getattr(settings, "timezone", "Europe/Moscow") or "Europe/Moscow")


def _utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def filter_value(value: str | None) -> str | None:
    """Filter values: '', 'all' and None mean no filter."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "all", "*") else text


def check_readable(settings: Any) -> None:
    """Open the request's build: BrokenWarehouse when the published file exists but
    cannot be read (a missing file is fine here: pages explain it themselves)."""
    with contextlib.suppress(NoWarehouse):
        _session(settings)
