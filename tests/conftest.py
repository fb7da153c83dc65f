"""Session fixtures: one small extract, loaded and built once by the real pipeline.

Generating, loading and running dbt cost tens of seconds, so the whole suite shares a
single run: a demo-scale extract over a short date range, landed by `pulse load`'s
code and published by `pulse build`'s code into a temporary data directory.

With pytest-xdist every worker is its own process with its own session fixtures, so
that run would be repeated once per worker. The first worker to need it does it under
a file lock in the directory the workers share; the others wait and then read the
same data directory. Tests only read it (or copy it before changing anything).

That shared build is the suite's one run of the dbt unit tests (code checks on fixed
fixtures, the same whatever the data): every other build of the suite runs with
`unit_tests = false` (PULSE_UNIT_TESTS, set below for the `pulse` subprocesses too),
which saves about a third of each small build. A unit test that fails still fails the
suite, through the shared build.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from warehouse.core.settings import Settings

# The small extract covers a quarter and a half, so quarterly OKRs, month-over-month
# trends and an open quarter all exist; the build's clocks stop at EXTRACT_END.
EXTRACT_START = date(2025, 1, 1)
EXTRACT_END = datetime(2025, 5, 15, 12, 0, tzinfo=UTC)
EXTRACT_SEED = 7

os.environ["PULSE_UNIT_TESTS"] = "false"


@dataclass(frozen=True)
class PipelineRun:
    settings: Settings
    env: dict[str, str]  # environment for `pulse` subprocesses pointed at this data dir


def make_settings(data_dir: Path) -> Settings:
    """Settings for an isolated data directory (never the developer's data/)."""
    return Settings(
        data_dir=data_dir,
        raw_dir=data_dir / "raw",
        landing_path=data_dir / "landing.duckdb",
        warehouse_path=data_dir / "warehouse.duckdb",
        memory_limit="2GB",
        unit_tests=False,
    )


def pulse_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(settings.to_env())
    return env


@contextmanager
def _shared_between_workers(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A directory every xdist worker of this run sees, held under an exclusive lock."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # each worker's base temp is a child of the run's
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield root / name
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """A generated demo extract (Jan to mid-May 2025), landed by the loader, built by dbt
    and published (clocks stop at EXTRACT_END): once per run, whatever the workers."""
    from warehouse.demo.generate import generate
    from warehouse.pipeline.build import build
    from warehouse.pipeline.load import load

    with _shared_between_workers(tmp_path_factory, "pulse-data") as data_dir:
        settings = make_settings(data_dir)
        done = data_dir / "built.ok"
        if not done.is_file():
            shutil.rmtree(data_dir, ignore_errors=True)  # a worker that failed midway
            generate(
                settings.raw_dir,
                start=EXTRACT_START,
                end=EXTRACT_END,
                scale="demo",
                seed=EXTRACT_SEED,
            )
            summary = load(settings, settings.raw_dir)
            assert not summary.failed_files, summary.failed_files
            build(settings.with_overrides(unit_tests=True), as_of=EXTRACT_END, full_refresh=True)
            assert settings.warehouse_path.is_file()
            done.touch()
    return PipelineRun(settings, pulse_env(settings))


@pytest.fixture(scope="session")
def landing_db(built_warehouse: PipelineRun) -> PipelineRun:
    """The small extract as the loader landed it (the same data directory)."""
    return built_warehouse


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the files that run whole pipelines first, so the suite does not end waiting
    on one of them.

    `make test` hands each file to one xdist worker (`--dist loadfile`) in collection
    order (`--no-loadscope-reorder`: xdist's default order puts the files with the most
    tests first, which sent the few slow end-to-end files last and left one worker
    running them alone at the end). A file counts as slow when any of its tests is
    marked `slow` or `spark`; the order within each group stays as collected. Every
    worker sorts the same way, as xdist requires.
    """
    slow_files = {
        item.path
        for item in items
        if item.get_closest_marker("slow") or item.get_closest_marker("spark")
    }
    items.sort(key=lambda item: item.path not in slow_files)
