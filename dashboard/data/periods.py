"""Calendar arithmetic for quarters in the business time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def quarter_bounds(year: int, quarter: int | None) -> tuple[date, date]:
    """First day of the period and the first day after it (whole year when no quarter)."""
    if not quarter:
        return date(year, 1, 1), date(year + 1, 1, 1)
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def quarter_elapsed(as_of: datetime | None, year: int, quarter: int | None, tz: ZoneInfo) -> float:
    """Share of the period that has passed at the warehouse's as-of moment (0..1)."""
    if as_of is None:
        return 0.0
    local = as_of.replace(tzinfo=UTC).astimezone(tz) if as_of.tzinfo is None else as_of
    start, end = quarter_bounds(year, quarter)
    total = (end - start).days
    done = (local.date() - start).days + local.hour / 24.0
    return max(0.0, min(1.0, done / total))
