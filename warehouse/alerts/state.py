"""The ops DuckDB: which alert went to which channel, and every delivery attempt.

`alert_sent` has one row per (alert key, channel). Its `status`:
- `claimed`: written, and durable, *before* the message is posted. A process killed
  between the claim and the answer leaves it `claimed`, and no later run posts that
  alert again (at most once: a restart never repeats an alert; the row is reported as
  unconfirmed on the data quality page instead).
- `sent`: the channel accepted it. Never posted again.
- `failed`: every attempt failed. The next run tries again while the alert still applies.

Only one process at a time holds a DuckDB file for writing, so an overlapping refresh's
alerts run waits for the lock (`LOCK_WAIT_S`) and, if it is still held, skips its run:
the run holding it sends what there is to send.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from warehouse.core.errors import PulseError

LOCK_WAIT_S = 30.0
STATUS_DAYS = 7
STATUS_LIMIT = 50

_SCHEMA = """
create table if not exists alert_sent (
    alert_key varchar not null,
    channel varchar not null,
    kind varchar not null,
    ticket_id varchar,
    metric varchar,
    status varchar not null,
    attempts integer not null default 0,
    first_at timestamp not null,
    last_at timestamp not null,
    error varchar,
    primary key (alert_key, channel)
);
create table if not exists alert_attempts (
    alert_key varchar not null,
    channel varchar not null,
    attempted_at timestamp not null,
    attempts integer not null,
    ok boolean not null,
    error varchar
);
"""


class Busy(Exception):
    """Another process holds the ops database."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class AlertState:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    @classmethod
    def open(cls, path: Path, wait_s: float = LOCK_WAIT_S) -> AlertState:
        path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                con = duckdb.connect(str(path), config={"threads": 1})
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise PulseError(f"cannot open the alerts state {path}: {exc}") from None
                if time.monotonic() >= deadline:
                    raise Busy(str(path)) from None
                time.sleep(0.2)
        con.execute(_SCHEMA)
        return cls(con)

    def close(self) -> None:
        self.con.close()

    def settled(self, channel: str) -> set[str]:
        """Alert keys this channel must not get again (sent, or claimed and unconfirmed)."""
        rows = self.con.execute(
            "select alert_key from alert_sent where channel = ? and status in ('sent', 'claimed')",
            [channel],
        ).fetchall()
        return {r[0] for r in rows}

    def claim(self, key: str, channel: str, kind: str, ticket_id: str | None, metric: str) -> None:
        now = _now()
        self.con.execute(
            "insert into alert_sent (alert_key, channel, kind, ticket_id, metric, status, "
            "attempts, first_at, last_at) values (?, ?, ?, ?, ?, 'claimed', 0, ?, ?) "
            "on conflict (alert_key, channel) do update set status = 'claimed', last_at = ?",
            [key, channel, kind, ticket_id, metric, now, now, now],
        )

    def finish(self, key: str, channel: str, ok: bool, attempts: int, error: str | None) -> None:
        now = _now()
        self.con.execute(
            "update alert_sent set status = ?, attempts = attempts + ?, last_at = ?, error = ? "
            "where alert_key = ? and channel = ?",
            ["sent" if ok else "failed", attempts, now, error, key, channel],
        )
        self.con.execute(
            "insert into alert_attempts values (?, ?, ?, ?, ?, ?)",
            [key, channel, now, attempts, ok, error],
        )

    def write_status(self, path: Path) -> None:
        """Recent failed and unconfirmed deliveries as JSON for the data quality page,
        replaced atomically so a reader never sees half a file."""
        since = _now() - timedelta(days=STATUS_DAYS)
        rows = self.con.execute(
            "select channel, kind, alert_key, ticket_id, metric, status, attempts, "
            "strftime(last_at, '%Y-%m-%dT%H:%M:%SZ'), error from alert_sent "
            "where status in ('failed', 'claimed') and last_at >= ? "
            "order by last_at desc limit ?",
            [since, STATUS_LIMIT],
        ).fetchall()
        names = ("channel", "kind", "key", "ticket_id", "metric", "status", "attempts",
                 "last_at", "error")  # fmt: skip
        document = {
            "written_at": _now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "failures": [dict(zip(names, row, strict=True)) for row in rows],
        }
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
