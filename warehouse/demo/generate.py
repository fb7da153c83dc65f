"""`pulse generate`: realistic synthetic extracts in the contract of DESIGN s3.

    generate(out, start=date(2025, 1, 1), end=None, scale="demo", seed=42)

writes `out/<entity>/<batch>.csv` for all twelve entities: tickets, ticket events, CSAT
responses and QA reviews as one batch per month of ticket creation (`2025-01.csv`, ...),
the small entities as one `snapshot.csv` each. The output is deterministic for a seed
(same arguments, same bytes) when `end` is given; `end=None` means now (UTC), and then
the newest tickets are still open, some close to or past their SLA due time.

Scales: `demo` ~140 tickets a day on average (about 100 k tickets over 2025-01-01 to
late 2026, growing over time), `1m` ten times that rate (~1 M tickets, ~12 M events),
`10m` a hundred times. Tickets are generated month by month in pieces of at most
150 k tickets, vectorised with numpy and written with polars, so memory stays bounded
at every scale. The generator modules live in `warehouse/demo/generator/`.

Choices a reader of the extracts may rely on:
- Batches: a ticket, all its events, its CSAT response and QA review are in the batch of
  the month the ticket was created (Moscow time); a ticket row carries its state at `end`.
  Re-running `generate` into the same directory first removes the batch files an earlier
  run wrote there (`YYYY-MM.csv`, `snapshot.csv`, `live-*.csv`, `.simulator.json`).
- Ids: tickets `T00000001`, events `EV…` (unique), engineers `ENG001`, accounts
  `ACC00001`, contacts/requesters `ACC00001-C2`, contracts `CTR…`, deals `OPP…`.
- Regions: Moscow, St Petersburg, Other Russia, Kazakhstan, Belarus, EU. Teams: t1-msk,
  t1-spb (tier 1), t2, t3, tam, each with a lead (`lead_id` empty for the lead).
- Bot activity has `actor_id` "bot"; automatic routing is `assigned` by `system` with no
  actor; the customer's reply to a pending ticket moves it pending -> open.
- Money: contract MRR and deal amounts are sized in RUB/USD with the rates of
  `seeds/fx_rates.csv` (fallback ~90 RUB/USD), support costs in RUB so that cost per
  ticket runs from ~$55 (early FY2025) to ~$43 (late FY2026); support credit on won
  deals gives ~$0.5 M attributed revenue in FY2025 and ~$2 M in FY2026.
- Manual key results (`okr_manual_values`, monthly periods YYYY-MM): KR_IDS below.
- The team follows the hiring roadmap (10 engineers in January 2025, 25 by June 2025,
  ~40 by the end of 2026) at every scale; at 1m/10m only the ticket volume grows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from warehouse.core.errors import PulseError
from warehouse.demo.generator import business
from warehouse.demo.generator.common import (
    DAY,
    BusinessClock,
    FxRates,
    Writer,
    epoch,
    month_starts,
    msk_date,
    next_month,
)
from warehouse.demo.generator.org import make_accounts, make_engineers
from warehouse.demo.generator.tickets import Context, arrivals, simulate

SCALES = {
    # tickets per day at 2025-01-01 (grows 50 % a year), accounts, QA sample rate
    "demo": (98.0, 900, 0.05),
    "1m": (980.0, 3000, 0.005),
    "10m": (9800.0, 12000, 0.0005),
}
PIECE = 150_000  # tickets simulated at once
ENTITY_ORDER = (
    "engineers",
    "accounts",
    "contracts",
    "tickets",
    "ticket_events",
    "csat_responses",
    "qa_reviews",
    "nps_responses",
    "opportunities",
    "support_costs",
    "kb_articles",
    "okr_manual_values",
)
KR_IDS = business.KR_IDS


@dataclass
class GenerateSummary:
    out: Path
    start: date
    end: datetime
    scale: str
    seed: int
    files: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _clear_previous(out: Path) -> int:
    """Remove batch files a previous run wrote (monthly, snapshot, live), nothing else."""
    removed = 0
    for entity in ENTITY_ORDER:
        folder = out / entity
        if not folder.is_dir():
            continue
        for path in folder.glob("*.csv"):
            stem = path.stem
            if (
                stem == "snapshot"
                or stem.startswith("live-")
                or (len(stem) == 7 and stem[4] == "-" and stem[:4].isdigit())
            ):
                path.unlink()
                removed += 1
    state = out / ".simulator.json"
    if state.exists():
        state.unlink()
    return removed


def generate(
    out: Path, *, start: date, end: datetime | None, scale: str, seed: int, verbose: bool = True
) -> GenerateSummary:
    began = time.perf_counter()
    if scale not in SCALES:
        raise PulseError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    if end is None:
        end = datetime.now(UTC).replace(microsecond=0)
    elif end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    end_ts = float(int(end.timestamp()))
    start_ts = float(epoch(start))
    if end_ts <= start_ts:
        raise PulseError(f"--end ({end.isoformat()}) must be after --start ({start.isoformat()})")
    base_rate, n_accounts, qa_rate = SCALES[scale]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    removed = _clear_previous(out)
    say = print if verbose else (lambda *a, **k: None)
    say(
        f"Generating {scale} extracts {start.isoformat()} .. "
        f"{end.astimezone(UTC):%Y-%m-%d %H:%M} UTC "
        f"(seed {seed}) into {out}" + (f"; replaced {removed} old batch files" if removed else "")
    )

    writer = Writer(out, verbose)
    year0 = float(epoch(date(2025, 1, 1)))
    end_day = msk_date(end_ts)

    def rng(*stream: int) -> np.random.Generator:
        return np.random.default_rng([seed, *stream])

    eng = make_engineers(rng(1), end_ts)
    writer.write("engineers", "snapshot", eng.frame)
    writer.report("engineers")
    acc = make_accounts(rng(2), n_accounts, start_ts, end_ts, eng)
    writer.write("accounts", "snapshot", acc.frame)
    writer.report("accounts")
    writer.write("contracts", "snapshot", acc.contracts)
    writer.report("contracts")

    lead_of = np.array(
        [int(np.flatnonzero((np.array(eng.team) == team) & eng.is_lead)[0]) for team in eng.team]
    )
    clock = BusinessClock(start - timedelta(days=3), end_day + timedelta(days=400))
    ctx = Context(
        eng=eng, acc=acc, clock=clock, end_ts=end_ts, year0=year0, qa_rate=qa_rate, lead_of=lead_of
    )

    tickets_per_month: dict[date, int] = {}
    next_no = 1
    months = month_starts(start, end_day)
    say(f"  tickets and events: {len(months)} months", flush=True)
    for mi, m in enumerate(months):
        first_day = max(m, start)
        last_day = min(next_month(m) - timedelta(days=1), end_day)
        days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        day_starts = np.array([epoch(d) for d in days], dtype=np.float64)
        weekday = np.array([d.weekday() for d in days])
        working = np.array([clock.is_working_day(d) for d in days])
        created, is_mon = arrivals(
            rng(3, m.year, m.month), day_starts, weekday, working, base_rate, year0
        )
        keep = (created <= end_ts) & (created >= start_ts)
        created, is_mon = created[keep], is_mon[keep]
        tickets_per_month[m] = int(created.size)
        batch = m.strftime("%Y-%m")
        month_bounds = (float(epoch(m)), float(epoch(next_month(m))) - 1)
        for piece, lo in enumerate(range(0, max(created.size, 1), PIECE)):
            hi = min(lo + PIECE, created.size)
            if hi <= lo:
                break
            b = simulate(
                rng(4, m.year, m.month, piece),
                created[lo:hi],
                is_mon[lo:hi],
                next_no,
                month_bounds,
                ctx,
            )
            next_no += hi - lo
            append = piece > 0
            writer.write("tickets", batch, b.tickets, append=append)
            writer.write("ticket_events", batch, b.events, append=append)
            writer.write("csat_responses", batch, b.csat, append=append)
            writer.write("qa_reviews", batch, b.qa, append=append)
        if verbose and (mi % 6 == 5 or mi == len(months) - 1):
            elapsed = time.perf_counter() - began
            print(
                f"    {batch}: {writer.rows.get('tickets', 0):,} tickets, "
                f"{writer.rows.get('ticket_events', 0):,} events so far ({elapsed:.0f} s)",
                flush=True,
            )
    for entity in ("tickets", "ticket_events", "csat_responses", "qa_reviews"):
        writer.report(entity)

    fx = FxRates()
    writer.write("nps_responses", "snapshot", business.nps(rng(5), acc, start, end_ts, year0))
    writer.report("nps_responses")
    writer.write(
        "opportunities", "snapshot", business.opportunities(rng(6), acc, eng, start, end_ts, fx)
    )
    writer.report("opportunities")
    writer.write("support_costs", "snapshot", business.support_costs(rng(7), tickets_per_month, fx))
    writer.report("support_costs")
    writer.write("kb_articles", "snapshot", business.kb_articles(rng(8), eng, start, end_ts))
    writer.report("kb_articles")
    writer.write(
        "okr_manual_values", "snapshot", business.okr_manual_values(rng(9), eng, start, end_ts)
    )
    writer.report("okr_manual_values")

    summary = GenerateSummary(
        out=out,
        start=start,
        end=end,
        scale=scale,
        seed=seed,
        files=sum(len(v) for v in writer.files.values()),
        rows=dict(writer.rows),
        seconds=time.perf_counter() - began,
    )
    say(f"Done: {summary.files} files, {summary.total_rows:,} rows in {summary.seconds:.1f} s.")
    return summary


__all__ = ["DAY", "KR_IDS", "SCALES", "GenerateSummary", "generate"]
