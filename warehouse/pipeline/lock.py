"""One lock shared by `pulse load` and `pulse build` (DESIGN s2: they take turns).

DuckDB allows one writing process per file, and a build reads the landing database
that a load writes, so the two never run at the same time. The lock is an advisory
`flock` on `settings.lock_path`: the kernel releases it when the holder exits, even on
`kill -9`, so a crashed step never leaves a stale lock behind. The file's content says
who holds it (purpose, pid, host, since when), for the error message of whoever waits.

The dashboard never takes this lock: it only reads the published warehouse.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

from warehouse.core.errors import PulseError, data_dir_error
from warehouse.core.settings import Settings

_POLL_S = 0.2


def _describe_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096).decode("utf-8", "replace").strip()
        info = json.loads(raw)
        return (
            f"`pulse {info.get('purpose', '?')}` (pid {info.get('pid', '?')} on "
            f"{info.get('host', '?')}, since {info.get('since', '?')})"
        )
    except (OSError, ValueError):
        return "another pulse process"


@contextmanager
def pulse_lock(settings: Settings, purpose: str, *, timeout: float | None = None) -> Iterator[None]:
    """Hold the load/build lock for the body; wait up to `timeout` seconds for it.

    `timeout` defaults to `settings.lock_timeout_seconds` (PULSE_LOCK_TIMEOUT). Raises
    PulseError naming the holder when the wait times out, and naming the data directory
    when the lock file cannot be created there (the first write of every load and
    build, so a read-only, full or missing data directory is reported here). Re-entrant
    use from the same process is not supported (and not needed: refresh takes it per
    step).
    """
    timeout = settings.lock_timeout_seconds if timeout is None else timeout
    path = settings.lock_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise data_dir_error(exc, f"cannot {purpose}: cannot create the lock file {path}") from None
    try:
        deadline = time.monotonic() + timeout
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _describe_holder(fd)
                if time.monotonic() >= deadline:
                    raise PulseError(
                        f"cannot {purpose}: {holder} is still running after waiting "
                        f"{timeout:.0f} s; wait for it to finish or stop it, then retry"
                    ) from None
                if not announced:
                    print(f"waiting for {holder} to finish ...", flush=True)
                    announced = True
                time.sleep(_POLL_S)
        info = {
            "purpose": purpose,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        }
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
        except OSError as exc:
            raise data_dir_error(
                exc, f"cannot {purpose}: cannot write the lock file {path}"
            ) from None
        try:
            yield
        finally:
            with suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
