"""`pulse calendar update`: write the holiday seed from the `holidays` package.

Hand-kept holiday lists go stale: the Russian government publishes the next year's
transfer decree in the autumn, and Kazakhstan and Belarus move days off too. The
`holidays` package tracks those decrees, so the seed `seeds/holidays.csv` is generated
from it (public holidays, transferred days off and weekend days made working), one row
per country and date, each marked with the package version it came from. Company days
off and other local corrections live in `seeds/holiday_overrides.csv`, which the user
edits and this command never touches; the dbt project lets an override win.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from warehouse.core.errors import PulseError
from warehouse.core.settings import SEEDS_DIR

DEFAULT_YEARS = (2024, 2028)
# RU: Moscow and the rest of Russia; KZ, BY: the accounts' regions Kazakhstan and
# Belarus; DE: the EU office's schedule (Europe/Berlin).
DEFAULT_COUNTRIES = ("RU", "KZ", "BY", "DE")
HOLIDAYS_SEED = SEEDS_DIR / "holidays.csv"
COLUMNS = ("country", "date", "name", "is_working_day", "kind", "source")


@dataclass(frozen=True)
class HolidayRow:
    """One exception to a country's weekly hours, as the seed stores it."""

    country: str
    day: date
    name: str
    is_working_day: bool
    kind: str  # holiday, transfer (a day off moved by decree) or working_day
    source: str


def parse_years(text: str) -> tuple[int, int]:
    """`2024-2028` or `2027` -> inclusive (first, last)."""
    first, _, last = text.partition("-")
    try:
        years = (int(first), int(last or first))
    except ValueError as exc:
        raise PulseError(f"--years {text!r} is not a year or a range like 2024-2028") from exc
    if not 1900 < years[0] <= years[1] < 2200:
        raise PulseError(f"--years {text!r}: give a range like 2024-2028, earliest year first")
    return years


def parse_countries(text: str) -> tuple[str, ...]:
    """`RU,KZ,BY` -> ('RU', 'KZ', 'BY'); each must be a country the package knows."""
    import holidays

    supported = holidays.list_supported_countries()
    codes = tuple(dict.fromkeys(c.strip().upper() for c in text.split(",") if c.strip()))
    unknown = [c for c in codes if c not in supported]
    if not codes or unknown:
        raise PulseError(
            f"--countries {text!r}: {', '.join(unknown) or 'none given'} not known to the "
            "holidays package; give ISO 3166 codes like RU,KZ,BY"
        )
    return codes


def holiday_rows(countries: tuple[str, ...], years: tuple[int, int]) -> list[HolidayRow]:
    """The package's public holidays and decree transfers for the countries and years.

    A date the package lists as a holiday is a day off: kind `transfer` when it is a day
    off substituted from another date (the package names those "Day off (substituted
    from ...)"), `holiday` otherwise (observed days included). Weekend days the decree
    makes working (`weekend_workdays`) are `working_day` rows, is_working_day true.
    """
    import holidays

    source = f"holidays {holidays.__version__}"
    span = list(range(years[0], years[1] + 1))
    rows: list[HolidayRow] = []
    for country in countries:
        calendar = holidays.country_holidays(
            country, years=span, categories=("public",), language="en_US"
        )
        for day, name in sorted(calendar.items()):
            kind = "transfer" if name.startswith("Day off (substituted") else "holiday"
            rows.append(HolidayRow(country, day, name, False, kind, source))
        for day in sorted(getattr(calendar, "weekend_workdays", ())):
            if years[0] <= day.year <= years[1]:
                rows.append(
                    HolidayRow(country, day, "Working day (transfer)", True, "working_day", source)
                )
    rows.sort(key=lambda r: (r.country, r.day))
    return rows


def render_seed(rows: list[HolidayRow]) -> str:
    """The seed's CSV text (LF line ends, so it is byte-stable across machines)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            (r.country, r.day.isoformat(), r.name, str(r.is_working_day).lower(), r.kind, r.source)
        )
    return out.getvalue()


def update_calendar(
    years: tuple[int, int] = DEFAULT_YEARS,
    countries: tuple[str, ...] = DEFAULT_COUNTRIES,
    path: Path = HOLIDAYS_SEED,
) -> list[HolidayRow]:
    """Write the holiday seed and print what it holds per country."""
    try:
        import holidays  # noqa: F401
    except ImportError as exc:
        raise PulseError("the holidays package is not installed: run `make install`") from exc
    rows = holiday_rows(countries, years)
    path.write_text(render_seed(rows), encoding="utf-8")
    print(f"Wrote {len(rows)} rows for {years[0]}-{years[1]} to {path.name}:")
    for country in countries:
        mine = [r for r in rows if r.country == country]
        days_off = sum(not r.is_working_day for r in mine)
        print(f"  {country}: {days_off} days off, {len(mine) - days_off} working weekend days")
    print("Local corrections go in seeds/holiday_overrides.csv; run `pulse build` to apply.")
    return rows
