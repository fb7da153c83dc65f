"""`pulse calendar update`: the holiday seed comes from the pinned `holidays` package.

The shipped seeds/holidays.csv must be exactly what the command writes, so nobody edits
it by hand (local corrections go in seeds/holiday_overrides.csv) and a package upgrade
shows up as a reviewed diff of the seed.
"""

from __future__ import annotations

from datetime import date

import pytest

from warehouse.core.errors import PulseError
from warehouse.pipeline import calendar


def test_shipped_seed_equals_what_the_command_writes() -> None:
    rows = calendar.holiday_rows(calendar.DEFAULT_COUNTRIES, calendar.DEFAULT_YEARS)
    assert calendar.HOLIDAYS_SEED.read_text(encoding="utf-8") == calendar.render_seed(rows)


def test_2027_russian_decree_days_the_hand_kept_seed_missed() -> None:
    rows = calendar.holiday_rows(("RU",), (2027, 2027))
    by_day = {r.day: (r.is_working_day, r.kind) for r in rows}
    assert by_day[date(2027, 2, 20)] == (True, "working_day")  # working Saturday
    for day in (date(2027, 2, 22), date(2027, 11, 5), date(2027, 12, 31)):
        assert by_day[day] == (False, "transfer")
    assert all(r.source.startswith("holidays ") for r in rows)


def test_kazakhstan_nauryz_and_command_writes_the_file(tmp_path, capsys) -> None:
    target = tmp_path / "holidays.csv"
    calendar.update_calendar((2025, 2025), ("KZ",), target)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "country,date,name,is_working_day,kind,source"
    nauryz = [line for line in lines if line.startswith("KZ,2025-03-2")]
    assert [line.split(",")[1] for line in nauryz] == [f"2025-03-2{d}" for d in (1, 2, 3, 4, 5)]
    assert "KZ:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("years", "countries"), [("2030-2020", "RU"), ("soon", "RU"), ("2025", "XX,RU")]
)
def test_bad_arguments_are_one_sentence(years: str, countries: str) -> None:
    with pytest.raises(PulseError, match=r"--(years|countries)"):
        calendar.parse_years(years)
        calendar.parse_countries(countries)


@pytest.mark.slow
def test_build_fails_naming_the_uncovered_years_and_the_command(tmp_path, capsys) -> None:
    """A seed generated only for 2026-2028, tickets from 2024-2025: the build refuses."""
    import dataclasses
    import shutil
    from datetime import UTC, datetime
    from pathlib import Path

    from warehouse.core.settings import PROJECT_ROOT, load_settings
    from warehouse.pipeline.build import build
    from warehouse.pipeline.load import load

    project = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "seeds", project / "seeds")
    shutil.copytree(
        PROJECT_ROOT / "transforms",
        project / "transforms",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
    )
    calendar.update_calendar(
        (2026, 2028), calendar.DEFAULT_COUNTRIES, project / "seeds" / "holidays.csv"
    )
    data = tmp_path / "data"
    settings = dataclasses.replace(
        load_settings(),
        data_dir=data,
        landing_path=data / "landing.duckdb",
        warehouse_path=data / "warehouse.duckdb",
        extra={"dbt_project_dir": str(project / "transforms")},
    )
    data.mkdir()
    load(settings, Path(__file__).parent / "data" / "sla_extract", encoding=None, delimiter=None)
    with pytest.raises(PulseError):
        build(settings, as_of=datetime(2025, 4, 2, 12, tzinfo=UTC), full_refresh=False)
    out = capsys.readouterr().out
    assert (
        "holiday calendar lacks 2024, 2025 for BY, DE, KZ, RU: "
        "run `pulse calendar update --years 2024-2028`, then build"
    ) in out
    assert not settings.warehouse_path.exists()
