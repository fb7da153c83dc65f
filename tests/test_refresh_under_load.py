"""`pulse refresh` while clients read the served dashboard: no errors, no torn reads.

A small version of `make loadtest` (DESIGN s8, issue 6): five client threads replay
the dashboard's own callback requests and page loads against gunicorn on loopback
while one refresh publishes a new build. No timing is asserted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import PipelineRun, make_settings, pulse_env

from tests.harness.loadtest import run_load

pytestmark = pytest.mark.slow


@pytest.fixture
def copied(built_warehouse: PipelineRun, tmp_path: Path) -> PipelineRun:
    source = built_warehouse.settings
    settings = make_settings(tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    shutil.copytree(source.raw_dir, settings.raw_dir)
    shutil.copyfile(source.landing_path, settings.landing_path)
    shutil.copyfile(source.warehouse_path, settings.warehouse_path)
    return PipelineRun(settings, pulse_env(settings))


def test_refresh_under_load(copied: PipelineRun) -> None:
    result = run_load(
        copied.settings,
        clients=5,
        min_seconds=20,
        max_seconds=240,
        refreshes=1,
        workers=2,
        quiet=True,
    )
    assert result.callbacks > 0, "no callback requests were discovered"
    assert result.refreshes_ok == 1, result.error_examples
    assert result.errors == 0, result.error_examples
    assert result.torn == 0, result.error_examples
    # the responses carry the build they read, and both builds were served
    assert len(result.builds_seen) == 2, result.builds_seen
    assert set(result.builds_seen) <= set(result.builds_published)
