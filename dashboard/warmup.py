"""Warm each worker's result cache when a build is published (issue 16 item 5).

The result cache (flask-caching, `dashboard.data.connection`) is keyed by build id and
lives in each gunicorn worker process: after a build, the first visit to a page in
every worker used to compute its queries from scratch (about 0.5 s for `/sla` at 1 M
tickets). Here every worker runs one daemon thread that looks at the published file's
identity (inode, mtime, size) every POLL_SECONDS, and when it changes - or when the
worker starts - renders the default layout of every page once, as the local operator,
through the same data functions and the same cache a visit uses. A visit then finds
the results cached, in whichever worker it lands.

Why per worker and not a publish hook: gunicorn's workers share nothing, and an HTTP
request sent by the build would warm only the worker that happened to accept it.

The warm-up renders pages whose data functions take no viewer-specific scope as well
as those that do; a viewer-scoped result is cached under the operator's scope (a VP's)
and serves only viewers with that scope, so nothing leaks between roles. It runs one
page at a time on the worker's own warehouse reader, so it takes at most the threads
one request takes.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

import dash
import flask

from dashboard.access import LOCAL_VIEWER, VIEWER_KEY

POLL_SECONDS = 2.0
# How each worker's warm-up ends in the server log (the bench waits for these lines).
WARMED_PREFIX = "pulse: warmed "
FAILED_PREFIX = "pulse: cache warm-up failed"

# Pages with a path parameter (one ticket, one engineer) have no default visit to warm.
_SKIPPED_PATHS = {"/404"}


def warm_paths() -> list[str]:
    """The registered pages with a default visit, in navigation order."""
    pages = sorted(
        dash.page_registry.values(),
        key=lambda p: (p.get("order") is None, p.get("order") or 0, p["path"]),
    )
    return [
        p["path"]
        for p in pages
        if not p.get("path_template")
        and p["path"] not in _SKIPPED_PATHS
        and callable(p.get("layout"))
    ]


def warm_pages(server: flask.Flask) -> list[str]:
    """Render every page's default layout once in `server`'s process; returns the paths.

    Each render runs in its own request context (so it reads one build, through the
    worker's reader, and its session is closed at the end like a visit's).
    """
    layouts = {p["path"]: p["layout"] for p in dash.page_registry.values()}
    done = []
    for path in warm_paths():
        with server.test_request_context(path):
            setattr(flask.g, VIEWER_KEY, LOCAL_VIEWER)
            layouts[path]()
        done.append(path)
    return done


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def watch(server: flask.Flask, warehouse: Path, stop: threading.Event) -> None:
    """Warm at start and after each publish of `warehouse`, until `stop` is set."""
    seen: tuple[int, int, int] | None = None
    while not stop.is_set():
        current = _identity(warehouse)
        if current is not None and current != seen:
            seen = current
            started = time.monotonic()
            try:
                paths = warm_pages(server)
            except Exception as exc:
                # a failed warm-up must never stop the worker: visits still work (they
                # compute what is not cached); say why, once per build
                print(f"{FAILED_PREFIX}: {type(exc).__name__}: {exc}", file=sys.stderr)
            else:
                print(
                    f"{WARMED_PREFIX}{len(paths)} pages in {time.monotonic() - started:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
        stop.wait(POLL_SECONDS)


def start(server: flask.Flask, settings: Any) -> threading.Event:
    """Start this process's warm-up thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(server, Path(settings.warehouse_path), stop),
        name="pulse-cache-warmup",
        daemon=True,
    )
    thread.start()
    return stop
