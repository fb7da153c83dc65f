"""Shared pieces of the synthetic extract generator: time, business clock, FX, CSV output.

All instants inside the generator are UTC epoch seconds (float64 or int64 numpy arrays).
Moscow has had a fixed UTC+3 offset since 2014, so local Moscow time is epoch + 3 h and
every timestamp is written with an explicit "+03:00" offset, which makes it exact.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import numpy as np
import polars as pl

from warehouse.core.settings import SEEDS_DIR

MSK_OFFSET = 3 * 3600
DAY = 86400
TS_FORMAT = "%Y-%m-%dT%H:%M:%S+03:00"

# Fallback when seeds/holidays.csv is missing: Russian non-working public holidays.
_HOLIDAY_MD = [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]


def epoch(value: date | datetime) -> int:
    """UTC epoch seconds; a date means 00:00 Moscow time of that day."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()) - MSK_OFFSET


def msk_day(ts):
    """Start (00:00 Moscow, as epoch seconds) of the Moscow day containing ts."""
    return np.floor((np.asarray(ts, dtype=np.float64) + MSK_OFFSET) / DAY) * DAY - MSK_OFFSET


def msk_date(ts: float) -> date:
    return datetime.fromtimestamp(int(ts) + MSK_OFFSET, tz=UTC).date()


def ts_text(ts: float) -> str:
    """One instant as ISO-8601 with the Moscow offset."""
    return datetime.fromtimestamp(int(ts) + MSK_OFFSET, tz=UTC).strftime(TS_FORMAT)


def ts_expr(column: str) -> pl.Expr:
    """Polars expression turning an epoch-seconds column (null allowed) into ISO text."""
    return (
        (pl.from_epoch(pl.col(column).cast(pl.Int64), time_unit="s") + pl.duration(hours=3))
        .dt.strftime(TS_FORMAT)
        .alias(column)
    )


def nullable(codes: np.ndarray) -> pl.Series:
    """Int64 series of codes with negative codes as null (for `Series.gather`)."""
    s = pl.Series("c", np.asarray(codes, dtype=np.int64))
    return pl.select(pl.when(s >= 0).then(s)).to_series()


def month_starts(first: date, last: date) -> list[date]:
    """First days of every month from first's month to last's month, inclusive."""
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def next_month(d: date) -> date:
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


def quarter_of(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def load_calendar_exceptions() -> tuple[set[date], set[date]]:
    """(non-working dates, working weekend dates) from seeds/holidays.csv or a fallback."""
    path = SEEDS_DIR / "holidays.csv"
    off: set[date] = set()
    on: set[date] = set()
    if path.is_file():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("country", "RU") != "RU":  # the demo's clock is Moscow's
                    continue
                try:
                    day = date.fromisoformat(row["date"])
                except (KeyError, ValueError):
                    continue
                working = str(row.get("is_working_day", "false")).strip().lower() in ("true", "1")
                (on if working else off).add(day)
    if not off:
        for year in range(2020, 2031):
            off.update(date(year, m, d) for m, d in _HOLIDAY_MD)
    return off, on


class BusinessClock:
    """Business minutes (Mon-Fri 09:00-18:00 Moscow, holidays off) on a minute grid.

    `clock(ts)` is the number of business minutes elapsed since the grid origin at an
    instant; `instant(c)` is the first instant at which the clock reads c. Both are
    vectorised. Calendar clocks are the same with every minute counting.
    """

    def __init__(self, first: date, last: date) -> None:
        self.origin = epoch(first)
        days = (last - first).days + 1
        off, on = load_calendar_exceptions()
        day_dates = [first + timedelta(days=i) for i in range(days)]
        working = np.array(
            [(d in on) or (d.weekday() < 5 and d not in off) for d in day_dates], dtype=bool
        )
        minute_of_day = np.arange(1440)
        open_minutes = (minute_of_day >= 9 * 60) & (minute_of_day < 18 * 60)
        bm = (working[:, None] & open_minutes[None, :]).ravel().astype(np.int32)
        self.n = bm.size
        self.bm = bm
        self.cum = np.concatenate([[0], np.cumsum(bm, dtype=np.int64)]).astype(np.float64)
        self.working = working
        self.first = first

    def clock(self, ts: np.ndarray) -> np.ndarray:
        rel = (np.asarray(ts, dtype=np.float64) - self.origin) / 60.0
        rel = np.clip(rel, 0, self.n - 1e-6)
        i = rel.astype(np.int64)
        return self.cum[i] + self.bm[i] * (rel - i)

    def instant(self, c: np.ndarray) -> np.ndarray:
        c = np.clip(np.asarray(c, dtype=np.float64), 0, self.cum[-1] - 1e-6)
        i = np.searchsorted(self.cum, c, side="right") - 1
        i = np.clip(i, 0, self.n - 1)
        return self.origin + (i + (c - self.cum[i])) * 60.0

    def is_working_day(self, d: date) -> bool:
        idx = (d - self.first).days
        if 0 <= idx < self.working.size:
            return bool(self.working[idx])
        return d.weekday() < 5


def clock_at(bc: BusinessClock, ts: np.ndarray, business: np.ndarray) -> np.ndarray:
    """Clock reading (minutes) at ts; business clock where `business`, else calendar."""
    cal = (np.asarray(ts, dtype=np.float64) - bc.origin) / 60.0
    if not business.any():
        return cal
    return np.where(business, bc.clock(ts), cal)


def instant_at(bc: BusinessClock, c: np.ndarray, business: np.ndarray) -> np.ndarray:
    """Inverse of clock_at."""
    cal = bc.origin + np.asarray(c, dtype=np.float64) * 60.0
    if not business.any():
        return cal
    return np.where(business, bc.instant(c), cal)


class FxRates:
    """rate_to_usd by (month, currency) from seeds/fx_rates.csv, with sane fallbacks."""

    FALLBACK: ClassVar[dict[str, float]] = {"USD": 1.0, "EUR": 1.09, "RUB": 1 / 90.0}

    def __init__(self) -> None:
        self.rates: dict[tuple[str, str], float] = {}
        path = SEEDS_DIR / "fx_rates.csv"
        if path.is_file():
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    try:
                        self.rates[(row["month"][:7], row["currency"].upper())] = float(
                            row["rate_to_usd"]
                        )
                    except (KeyError, ValueError):
                        continue

    def to_usd(self, month: date, currency: str) -> float:
        key = (month.strftime("%Y-%m"), currency)
        if key in self.rates:
            return self.rates[key]
        months = sorted(k for k in self.rates if k[1] == currency)
        if months:
            target = month.strftime("%Y-%m")
            before = [k for k in months if k[0] <= target]
            return self.rates[before[-1] if before else months[0]]
        return self.FALLBACK[currency]


class Writer:
    """Writes entity batch files and counts what was written."""

    def __init__(self, out: Path, verbose: bool = True) -> None:
        self.out = out
        self.files: dict[str, set[str]] = {}
        self.rows: dict[str, int] = {}
        self.verbose = verbose

    def write(self, entity: str, batch: str, frame: pl.DataFrame, *, append: bool = False) -> None:
        from warehouse.core.contract import ENTITIES

        contract = ENTITIES[entity]
        columns = list(contract.column_names)
        # Optional columns the demo does not model (the binary CSAT rating) stay empty.
        absent = [c.name for c in contract.columns if not c.required and c.name not in frame]
        frame = frame.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in absent)
        frame = frame.select(columns)
        folder = self.out / entity
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{batch}.csv"
        seen = self.files.setdefault(entity, set())
        if append and batch in seen:
            with path.open("ab") as handle:
                frame.write_csv(handle, include_header=False)
        else:
            frame.write_csv(path)
        seen.add(batch)
        self.rows[entity] = self.rows.get(entity, 0) + frame.height

    def report(self, entity: str) -> None:
        if self.verbose:
            files = len(self.files.get(entity, ()))
            rows = self.rows.get(entity, 0)
            print(
                f"  {entity:<18} {files:>4} file{'s' if files != 1 else ' '} {rows:>12,} rows",
                flush=True,
            )
