"""Issue 16 item 5: a worker's cache is warm before the first visit after a build.

The dashboard runs on a copy of the session's real small build. A visit's page render
computes a result only on a cache miss (`_run` then stores it), so counting the results
stored during a render counts the queries it ran: after the warm-up, the first visit to
/sla stores none. No timing is asserted; the watcher test only waits (with a generous
bound) for the warm-up of a newly published build.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import dash
import duckdb
import flask
import pytest

from dashboard import warmup
from dashboard.access import LOCAL_VIEWER, VIEWER_KEY
from dashboard.data import CACHE_EXTENSION
from warehouse.core.settings import Settings


class StoredKeys:
    """Wraps the app's cache so a test sees the key of every result stored."""

    def __init__(self, cache: object) -> None:
        self.keys: list[str] = []
        self._set = cache.set  # type: ignore[attr-defined]
        cache.set = self._record  # type: ignore[attr-defined]

    def _record(self, key: str, value: object, *args: object, **kwargs: object) -> object:
        self.keys.append(key)
        return self._set(key, value, *args, **kwargs)


@pytest.fixture(scope="module")
def served(
    built_warehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[flask.Flask, Settings]]:
    """One app (pages register once per process) on a copy of the session's build."""
    from dashboard.app import create_app

    path = tmp_path_factory.mktemp("warm") / "warehouse.duckdb"
    shutil.copy(built_warehouse.settings.warehouse_path, path)
    settings = Settings(
        data_dir=path.parent,
        raw_dir=path.parent / "raw",
        landing_path=path.parent / "landing.duckdb",
        warehouse_path=path,
    )
    yield create_app(settings).server, settings


def visit(server: flask.Flask, page_path: str) -> None:
    """Render a page's default layout as a visit by the local operator does."""
    layout = next(p["layout"] for p in dash.page_registry.values() if p["path"] == page_path)
    with server.test_request_context(page_path):
        setattr(flask.g, VIEWER_KEY, LOCAL_VIEWER)
        layout()


def publish(path: Path, build_id: str) -> None:
    """A new build renamed over the published file, as `pulse build` does: the same
    marts under a new build id."""
    fresh = path.with_name("next.duckdb")
    shutil.copy(path, fresh)
    con = duckdb.connect(str(fresh))
    try:
        con.execute("update main.pulse_build set build_id = ?", [build_id])
    finally:
        con.close()
    os.replace(fresh, path)


def test_first_sla_visit_after_warm_up_runs_no_query(served: tuple[flask.Flask, Settings]) -> None:
    server, settings = served
    publish(settings.warehouse_path, "build-cold")
    stored = StoredKeys(server.extensions[CACHE_EXTENSION])
    visit(server, "/sla")  # the old behaviour: the first visit computes its results
    cold = [k for k in stored.keys if k.startswith("pulse:build-cold:")]
    assert any(":sla_matrix:" in k for k in cold)

    publish(settings.warehouse_path, "build-warm")
    warmed = warmup.warm_pages(server)
    assert warmed[:2] == ["/", "/sla"]
    assert {"/teams", "/customers", "/revenue", "/quality", "/wall"} <= set(warmed)
    assert any(k.startswith("pulse:build-warm:") and ":sla_matrix:" in k for k in stored.keys)

    before = len(stored.keys)
    visit(server, "/sla")
    assert stored.keys[before:] == []


def test_worker_thread_warms_each_newly_published_build(
    served: tuple[flask.Flask, Settings],
) -> None:
    server, settings = served
    stored = StoredKeys(server.extensions[CACHE_EXTENSION])
    stop = warmup.start(server, settings)
    try:
        publish(settings.warehouse_path, "build-published")
        deadline = time.monotonic() + 60
        wanted = "pulse:build-published:"
        while time.monotonic() < deadline and not any(
            k.startswith(wanted) and ":sla_matrix:" in k for k in stored.keys
        ):
            time.sleep(0.2)
        assert any(k.startswith(wanted) and ":sla_matrix:" in k for k in stored.keys)
    finally:
        stop.set()


# The scripts a page loads in parallel right after the HTML (Dash's own, the component
# libraries'), unfingerprinted as Dash also serves them.
FIRST_SCRIPTS = (
    "/_dash-component-suites/dash/deps/react@18.3.1.min.js",
    "/_dash-component-suites/dash/deps/react-dom@18.3.1.min.js",
    "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js",
    "/_dash-component-suites/dash/dcc/dash_core_components.js",
    "/_dash-component-suites/dash/html/dash_html_components.min.js",
    "/_dash-component-suites/dash_ag_grid/dash_ag_grid.min.js",
)


def test_a_new_worker_serves_the_pages_scripts_in_parallel_from_its_first_request(
    served: tuple[flask.Flask, Settings],
) -> None:
    """Dash registers the scripts it may serve on a worker's first request, after marking
    that done: parallel first requests once found the mark and no scripts, and a page
    never drew. `pulse serve` runs the setup when a worker starts (finish_dash_setup)."""
    from concurrent.futures import ThreadPoolExecutor

    from dashboard.app import create_app, finish_dash_setup

    _server, settings = served
    app = create_app(settings)  # a new worker's app: no request served yet
    finish_dash_setup(app)
    client = app.server.test_client

    with ThreadPoolExecutor(max_workers=len(FIRST_SCRIPTS)) as pool:
        statuses = list(pool.map(lambda path: client().get(path).status_code, FIRST_SCRIPTS))
    assert statuses == [200] * len(FIRST_SCRIPTS)
