"""Session fixtures: one small extract, loaded and built once by the real pipeline.

Generating, loading and running dbt cost tens of seconds, so the whole suite shares a
single run: a demo-scale extract over a short date range, landed by `pulse load`'s
code and published by `pulse build`'s code into a temporary data directory.
"""

from __future__ import annotations

import os
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
    )


def pulse_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(settings.to_env())
    return env


@pytest.fixture(scope="session")
def small_extract(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """A generated demo extract (Jan to mid-May 2025) in a fresh data directory."""
    from warehouse.demo.generate import generate

    settings = make_settings(tmp_path_factory.mktemp("pulse-data"))
    generate(
        settings.raw_dir, start=EXTRACT_START, end=EXTRACT_END, scale="demo", seed=EXTRACT_SEED
    )
    return PipelineRun(settings, pulse_env(settings))


@pytest.fixture(scope="session")
def landing_db(small_extract: PipelineRun) -> PipelineRun:
    """The small extract landed by the loader."""
    from warehouse.pipeline.load import load

    summary = load(small_extract.settings, small_extract.settings.raw_dir)
    assert not summary.failed_files, summary.failed_files
    return small_extract


@pytest.fixture(scope="session")
def built_warehouse(landing_db: PipelineRun) -> PipelineRun:
    """The landed extract built by dbt and published (clocks stop at EXTRACT_END)."""
    from warehouse.pipeline.build import build

    build(landing_db.settings, as_of=EXTRACT_END, full_refresh=True)
    assert landing_db.settings.warehouse_path.is_file()
    return landing_db
