"""The live-demo simulator appends new batches after the existing ones, deterministically."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from warehouse.core.contract import ENTITIES
from warehouse.demo.generate import generate
from warehouse.demo.simulate import append_live_batch

END = datetime(2025, 2, 12, 11, 0, tzinfo=UTC)  # a Wednesday, 14:00 in Moscow


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.csv"))
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "raw"
    generate(out, start=date(2025, 1, 1), end=END, scale="demo", seed=3, verbose=False)
    return out


def _copy(base: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(base, target)
    return target


def test_appends_new_files_after_existing(base: Path, tmp_path: Path) -> None:
    raw = _copy(base, tmp_path, "raw")
    before = _hashes(raw)
    written = append_live_batch(raw, now=END + timedelta(minutes=10), seed=1)
    assert written, "a ten-minute step in business hours should produce activity"
    for path in written:
        entity = path.parent.name
        existing = sorted(p.name for p in (raw / entity).glob("*.csv") if p != path)
        assert path.name > existing[-1], (path.name, existing[-1])
        header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        assert tuple(header) == ENTITIES[entity].column_names
    after = _hashes(raw)
    for name, digest in before.items():
        assert after[name] == digest, f"{name} was rewritten"

    second = append_live_batch(raw, now=END + timedelta(minutes=20), seed=1)
    assert second and all(p not in written for p in second)
    assert sorted(p.name for p in second)[0] > sorted(p.name for p in written)[-1]
    # The same moment again adds nothing.
    assert append_live_batch(raw, now=END + timedelta(minutes=20), seed=1) == []


def test_rows_and_events_are_consistent(base: Path, tmp_path: Path) -> None:
    raw = _copy(base, tmp_path, "raw")
    now = END + timedelta(minutes=30)
    written = append_live_batch(raw, now=now, seed=2)
    tickets = pl.read_csv(
        next(p for p in written if p.parent.name == "tickets"), infer_schema=False
    )
    events = pl.read_csv(
        next(p for p in written if p.parent.name == "ticket_events"), infer_schema=False
    )
    assert tickets["ticket_id"].is_unique().all()
    assert events["event_id"].is_unique().all()
    assert set(events["ticket_id"]) <= set(tickets["ticket_id"])
    base_rows = pl.concat(
        [pl.read_csv(p, infer_schema=False) for p in (base / "tickets").glob("*.csv")]
    )
    last_seen = base_rows["updated_at"].str.to_datetime(time_zone="UTC").max()
    ev_ts = events["event_at"].str.to_datetime(time_zone="UTC")
    assert ev_ts.max() <= now
    assert ev_ts.min() > last_seen
    upd = tickets["updated_at"].str.to_datetime(time_zone="UTC")
    assert upd.min() > last_seen and upd.max() <= now
    # Each ticket's status is the last status change in this batch (when it has one).
    last = (
        events.with_columns(ts=ev_ts)
        .filter(pl.col("event_type") == "status_changed")
        .sort("ts")
        .group_by("ticket_id")
        .agg(pl.col("to_value").last())
    )
    joined = tickets.join(last, on="ticket_id")
    assert (joined["status"] == joined["to_value"]).all()
    # Old ticket ids progressed, new ones continue the numbering.
    old_ids = set(
        pl.concat([pl.read_csv(p, infer_schema=False) for p in (raw / "tickets").glob("20*.csv")])[
            "ticket_id"
        ]
    )
    assert tickets["ticket_id"].is_in(list(old_ids)).any()
    assert (~tickets["ticket_id"].is_in(list(old_ids))).any()


def test_deterministic_for_state_now_and_seed(base: Path, tmp_path: Path) -> None:
    a = _copy(base, tmp_path, "a")
    b = _copy(base, tmp_path, "b")
    for raw in (a, b):
        append_live_batch(raw, now=END + timedelta(minutes=5), seed=9)
        append_live_batch(raw, now=END + timedelta(minutes=10), seed=9)
    assert _hashes(a) == _hashes(b)


def test_empty_raw_dir_writes_nothing(tmp_path: Path) -> None:
    assert append_live_batch(tmp_path, now=END, seed=1) == []


def test_many_calls_keep_rows_and_events_consistent(base: Path, tmp_path: Path) -> None:
    """After several live batches, the upserted ticket rows still match their events."""
    import duckdb

    raw = _copy(base, tmp_path, "raw")
    for i in range(1, 9):
        now = END + timedelta(minutes=7 * i)
        for path in append_live_batch(raw, now=now, seed=i):
            frame = pl.read_csv(path, infer_schema=False)
            column = "event_at" if "event_at" in frame.columns else "updated_at"
            assert frame[column].str.to_datetime(time_zone="UTC").max() <= now
    con = duckdb.connect()
    con.execute(
        f"""create view t as select * from read_csv('{raw}/tickets/*.csv', all_varchar=true)
            qualify row_number() over (
                partition by ticket_id order by updated_at::timestamptz desc) = 1"""
    )
    con.execute(
        f"""create view e as select *, event_at::timestamptz as ts
            from read_csv('{raw}/ticket_events/*.csv', all_varchar=true)"""
    )
    bad = con.execute(
        """with last as (
               select ticket_id, max(ts) as mx,
                   arg_max(to_value, ts) filter (event_type = 'status_changed') as st
               from e group by 1)
           select count(*) from t join last l using (ticket_id)
           where coalesce(l.st, 'new') <> t.status or l.mx <> t.updated_at::timestamptz"""
    ).fetchone()[0]
    assert bad == 0
    chain = con.execute(
        """select count(*) from (
               select from_value,
                   lag(to_value, 1, 'new') over (partition by ticket_id order by ts) as prev
               from e where event_type = 'status_changed') where from_value <> prev"""
    ).fetchone()[0]
    assert chain == 0
    assert con.execute("select count(*) - count(distinct event_id) from e").fetchone()[0] == 0
