"""Live-demo simulator: new ticket activity since the last batch, as new batch files.

`pulse refresh --simulate` calls `append_live_batch(raw_dir, now=..., seed=...)` before
each load. It reads what is already in the raw directory (the newest monthly ticket
batches, earlier live batches and a small state file `raw_dir/.simulator.json`) and
writes NEW files whose names sort after every existing batch:

    tickets/live-20261123T104500.csv        new tickets + updated rows of progressed ones
    ticket_events/live-20261123T104500.csv  their new events

Existing files are never rewritten. New tickets arrive at the extract's recent daily rate
(with the Moscow daily rhythm), and still-open tickets progress: new tickets get a first
response (new -> open), open ones are solved or put on pending, pending ones get the
customer's reply, on-hold ones resume, solved ones are closed after a few days. Updated
ticket rows carry a newer `updated_at`, so the loader's upsert takes them. Each call is
small (at most a few hundred tickets) and deterministic for (files, state, now, seed).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from warehouse.demo.generator.common import DAY, MSK_OFFSET, ts_expr
from warehouse.demo.generator.tickets import HOUR_WEEKDAY, HOUR_WEEKEND

STATE_FILE = ".simulator.json"
# Caps per call: a few hundred rows for the every-few-minutes live demo; a longer step
# (the benchmark's "one new day") may bring up to twice the expected arrivals.
MAX_NEW_TICKETS = 300
MAX_PROGRESS = 20_000
OPEN_STATUSES = ("new", "open", "pending", "on_hold")
_RU_SUBJECTS = (
    "Не отвечает API балансировщика",
    "Ошибка 502 на ingress",
    "Вопрос по счёту",
    "Медленно работает диск",
    "Не удаётся подключиться к БД",
    "Запрос на увеличение квоты",
)


def _latest_batches(folder: Path, monthly: int = 2) -> list[Path]:
    """The newest `monthly` month batches plus every live batch, in load order."""
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.glob("*.csv"))
    months = [p for p in files if not p.stem.startswith("live-")]
    live = [p for p in files if p.stem.startswith("live-")]
    return months[-monthly:] + live


def _read(paths: list[Path]) -> pl.DataFrame | None:
    frames = [pl.read_csv(p, infer_schema=False) for p in paths]
    frames = [f for f in frames if f.height]
    if not frames:
        return None
    return pl.concat(frames, how="diagonal_relaxed")


def _epoch(col: str) -> pl.Expr:
    return (
        pl.col(col)
        .str.to_datetime(time_zone="UTC", time_unit="us")
        .dt.epoch(time_unit="s")
        .alias(f"{col}_ts")
    )


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S")


def append_live_batch(raw_dir: Path, *, now: datetime, seed: int) -> list[Path]:
    raw_dir = Path(raw_dir)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    now_ts = int(now.timestamp())
    state_path = raw_dir / STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    if state and not (raw_dir / "tickets" / f"live-{state.get('last_batch')}.csv").is_file():
        state = {}  # its batch was removed (e.g. a benchmark cleaning up): start from the files

    tickets = _read(_latest_batches(raw_dir / "tickets"))
    if tickets is None:
        return []
    tickets = (
        tickets.with_columns(_epoch("created_at"), _epoch("updated_at"))
        .sort("updated_at_ts", "ticket_id")
        .unique("ticket_id", keep="last")
        .sort("ticket_id")
    )
    last_ts = int(state.get("last_ts", tickets["updated_at_ts"].max()))
    if now_ts <= last_ts:
        return []
    dt = float(now_ts - last_ts)
    rng = np.random.default_rng([seed, now_ts, last_ts])

    engineers = _read(sorted((raw_dir / "engineers").glob("*.csv")))
    tier1: list[str] = []
    if engineers is not None:
        active = engineers.filter(pl.col("left_at").is_null() | (pl.col("left_at") == ""))
        tier1 = sorted(active.filter(pl.col("support_tier") == "1")["engineer_id"].to_list())
    if not tier1:
        tier1 = sorted({a for a in tickets["assignee_id"].drop_nulls().to_list()}) or ["ENG001"]

    new_rows, events = [], []
    seq = 0

    def event_id() -> str:
        nonlocal seq
        seq += 1
        return f"EVL{_stamp(now)}{seq:05d}"

    def add_event(ticket_id, ts, etype, actor, role, public=None, frm=None, to=None) -> None:
        events.append(
            {
                "event_id": event_id(),
                "ticket_id": ticket_id,
                "event_at": int(ts),
                "event_type": etype,
                "actor_id": actor,
                "actor_role": role,
                "is_public": None if public is None else ("true" if public else "false"),
                "from_value": frm,
                "to_value": to,
            }
        )

    # ---- new tickets at the recent arrival rate, shaped by the Moscow hour
    recent = tickets.filter(pl.col("created_at_ts") > tickets["created_at_ts"].max() - 14 * DAY)
    per_second = recent.height / (14 * DAY) if recent.height else 0.0
    local = datetime.fromtimestamp(now_ts + MSK_OFFSET, tz=UTC)
    profile = HOUR_WEEKDAY if local.weekday() < 5 else HOUR_WEEKEND
    shape = profile[local.hour] / profile.mean() * (1.0 if local.weekday() < 5 else 0.4)
    if dt > 6 * 3600:
        shape = 1.0  # a long step spans the daily rhythm
    expected = per_second * dt * shape
    n_new = min(int(rng.poisson(expected)), max(MAX_NEW_TICKETS, int(2 * expected)))
    numbers = [
        int(t[1:]) for t in tickets["ticket_id"].to_list() if t[:1] == "T" and t[1:].isdigit()
    ]
    next_no = int(state.get("next_ticket", (max(numbers) + 1) if numbers else 1))
    pool = recent if recent.height else tickets
    picks = rng.integers(0, pool.height, n_new) if n_new else np.array([], dtype=np.int64)
    created = np.sort(rng.uniform(last_ts + 1, now_ts, n_new)).astype(np.int64)
    channels = np.array(["email", "chat", "web", "console", "phone", "api", "monitoring", "bot"])
    ch_p = np.array([0.25, 0.2, 0.18, 0.13, 0.06, 0.05, 0.05, 0.08])
    prios = np.array(["critical", "high", "medium", "low"])
    for j in range(n_new):
        src = pool.row(int(picks[j]), named=True)
        tid = f"T{next_no:08d}"
        next_no += 1
        channel = str(rng.choice(channels, p=ch_p))
        proactive = channel == "monitoring"
        prio = str(rng.choice(prios, p=[0.05, 0.18, 0.45, 0.32]))
        t0 = int(created[j])
        engineer = str(rng.choice(tier1))
        if proactive:
            add_event(tid, t0, "created", engineer, "agent")
        else:
            add_event(tid, t0, "created", src["requester_id"], "customer")
        row = {
            "ticket_id": tid,
            "created_at": t0,
            "updated_at": t0,
            "account_id": src["account_id"],
            "requester_id": src["requester_id"],
            "channel": channel,
            "priority": prio,
            "status": "new",
            "type": str(rng.choice(["incident", "question", "problem", "task"])),
            "product_area": str(
                rng.choice(
                    ["compute", "storage", "database", "networking", "kubernetes", "billing"]
                )
            ),
            "group_name": "tier1",
            "assignee_id": None,
            "language": src.get("language") or "ru",
            "subject": str(rng.choice(_RU_SUBJECTS)),
            "is_proactive": "true" if proactive else "false",
        }
        if now_ts - t0 > 60:
            t_assign = t0 + int(rng.integers(10, 60))
            add_event(tid, t_assign, "assigned", None, "system", to=engineer)
            row["assignee_id"] = engineer
            row["updated_at"] = t_assign
        new_rows.append(row)

    # ---- progress of still-open tickets (and closing solved ones after a few days)
    # Mean waiting time (s) before the next step; first responses follow the priority.
    rates = {"new": 45 * 60, "open": 5 * 3600, "pending": 8 * 3600, "on_hold": 12 * 3600}
    first_touch = {"critical": 8 * 60, "high": 25 * 60, "medium": 90 * 60, "low": 4 * 3600}
    candidates = tickets.filter(
        pl.col("status").is_in(OPEN_STATUSES)
        | ((pl.col("status") == "solved") & (pl.col("updated_at_ts") < now_ts - 3 * DAY))
    )
    if candidates.height > MAX_PROGRESS:
        candidates = candidates.sort("updated_at_ts").head(MAX_PROGRESS).sort("ticket_id")
    updated_rows = []
    for row in candidates.iter_rows(named=True):
        status = row["status"]
        mean = rates.get(status, 2 * DAY)
        if status == "new":
            mean = first_touch.get(row["priority"], mean)
        if rng.random() >= 1 - np.exp(-dt / mean):
            continue
        start = max(int(row["updated_at_ts"]), last_ts) + 1
        if start >= now_ts - 400:  # a step takes up to ~6 minutes; wait for the next call
            continue
        t = int(rng.integers(start, now_ts - 400))
        tid = row["ticket_id"]
        who = row["assignee_id"] or str(rng.choice(tier1))
        out = {k: row[k] for k in row if not k.endswith("_ts")}
        if status == "new":
            if not row["assignee_id"]:
                add_event(tid, t, "assigned", None, "system", to=who)
                t += int(rng.integers(30, 300))
                out["assignee_id"] = who
            add_event(tid, t, "comment", who, "agent", public=True)
            t += int(rng.integers(5, 60))
            add_event(tid, t, "status_changed", who, "agent", frm="new", to="open")
            out["status"] = "open"
        elif status == "open":
            add_event(tid, t, "comment", who, "agent", public=True)
            t += int(rng.integers(5, 60))
            to = "solved" if rng.random() < 0.7 else "pending"
            add_event(tid, t, "status_changed", who, "agent", frm="open", to=to)
            out["status"] = to
        elif status == "pending":
            add_event(tid, t, "comment", row["requester_id"], "customer", public=True)
            t += int(rng.integers(5, 60))
            add_event(
                tid, t, "status_changed", row["requester_id"], "customer", frm="pending", to="open"
            )
            out["status"] = "open"
        elif status == "on_hold":
            add_event(tid, t, "status_changed", who, "agent", frm="on_hold", to="open")
            out["status"] = "open"
        else:  # solved for a few days
            add_event(tid, t, "status_changed", None, "system", frm="solved", to="closed")
            out["status"] = "closed"
        t = min(t, now_ts)
        out["updated_at"] = t
        updated_rows.append(out)

    written: list[Path] = []
    stamp = _stamp(now)
    rows = new_rows + updated_rows
    if rows:
        written.append(_write_tickets(raw_dir, stamp, new_rows, updated_rows))
    if events:
        ev = pl.DataFrame(
            events,
            schema={
                "event_id": pl.String,
                "ticket_id": pl.String,
                "event_at": pl.Int64,
                "event_type": pl.String,
                "actor_id": pl.String,
                "actor_role": pl.String,
                "is_public": pl.String,
                "from_value": pl.String,
                "to_value": pl.String,
            },
        ).with_columns(ts_expr("event_at"))
        path = raw_dir / "ticket_events" / f"live-{stamp}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        ev.write_csv(path)
        written.append(path)
    state_path.write_text(
        json.dumps(
            {
                "last_ts": now_ts,
                "next_ticket": next_no,
                "last_batch": stamp if written else state.get("last_batch"),
            }
        )
    )
    return written


def _write_tickets(
    raw_dir: Path, stamp: str, new_rows: list[dict], updated_rows: list[dict]
) -> Path:
    from warehouse.core.contract import ENTITIES

    columns = ENTITIES["tickets"].column_names
    new = pl.DataFrame(
        [{c: r.get(c) for c in columns} for r in new_rows],
        schema={c: (pl.Int64 if c in ("created_at", "updated_at") else pl.String) for c in columns},
    ).with_columns(ts_expr("created_at"), ts_expr("updated_at"))
    upd = pl.DataFrame(
        [{c: r.get(c) for c in columns} for r in updated_rows],
        schema={c: (pl.Int64 if c == "updated_at" else pl.String) for c in columns},
    ).with_columns(ts_expr("updated_at"))
    frame = pl.concat([new, upd], how="vertical")
    path = raw_dir / "tickets" / f"live-{stamp}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)
    return path
