"""The contract's additions for helpdesk imports, through the loader's generic checks:
the binary CSAT rating (score or rating, never neither), vendor_sla_events with its
composite key, and a landing database from before the rating column."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import make_settings
from warehouse.core.contract import ENTITIES
from warehouse.core.settings import Settings
from warehouse.pipeline.load import LoadSummary, connect_landing, load


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


def write(settings: Settings, entity: str, name: str, *rows: str) -> None:
    path = settings.raw_dir / entity / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def run(settings: Settings) -> LoadSummary:
    return load(settings, settings.raw_dir, echo=lambda _: None)


def query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.landing_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_response_has_a_score_or_a_binary_rating(settings: Settings) -> None:
    write(
        settings,
        "csat_responses",
        "b1.csv",
        "response_id,ticket_id,responded_at,score,rating",
        "R1,T1,2025-03-03 12:00,5,",
        "R2,T1,2025-03-03 12:00,,good",
        "R3,T1,2025-03-03 12:00,,Unsatisfied",
        "R4,T1,2025-03-03 12:00,,",
        "R5,T1,2025-03-03 12:00,,meh",
    )
    summary = run(settings)
    assert (summary.rows_read, summary.rows_landed, summary.rows_rejected) == (5, 3, 2)
    assert query(
        settings, "select response_id, score, rating from raw.csat_responses order by 1"
    ) == [
        ("R1", 5, None),
        ("R2", None, "good"),
        ("R3", None, "bad"),  # the alias unsatisfied = bad
    ]
    assert query(settings, "select line_number, reason from raw.load_rejects order by 1") == [
        (5, "score or rating: one of them is required"),
        (6, "rating: unknown value (expected good, bad)"),
    ]


def test_a_file_with_neither_a_score_nor_a_rating_column_is_refused(settings: Settings) -> None:
    write(
        settings,
        "csat_responses",
        "b1.csv",
        "response_id,ticket_id,responded_at",
        "R1,T1,2025-03-03 12:00",
    )
    summary = run(settings)
    (failed,) = summary.failed
    assert "misses the required column score or rating" in (failed.error or "")


def test_vendor_sla_events_upsert_on_vendor_and_event_id(settings: Settings) -> None:
    header = ",".join(ENTITIES["vendor_sla_events"].column_names)
    write(
        settings,
        "vendor_sla_events",
        "a.csv",
        header,
        "zendesk,1,T1,reply_time,first_response,1,apply_sla,2025-03-03T09:00:00Z,60,false,Premium",
        "zendesk,2,T1,reply_time,first_response,1,breach,2025-03-03T10:00:00Z,,,",
        "freshdesk,1,T9,first_response_time,first_response,1,apply_sla,2025-03-03T09:00:00Z,30,true,Gold",
        "zendesk,3,T1,reply_time,first_response,1,explode,2025-03-03T10:00:00Z,,,",
    )
    write(
        settings,
        "vendor_sla_events",
        "b.csv",
        header,
        "zendesk,1,T1,reply_time,first_response,1,apply_sla,2025-03-03T09:00:00Z,120,false,Premium",
    )
    run(settings)
    rows = query(
        settings,
        "select vendor, event_id, event_type, target_minutes, business_hours "
        "from raw.vendor_sla_events order by 1, 2",
    )
    assert rows == [
        ("freshdesk", "1", "apply_sla", 30, True),
        ("zendesk", "1", "apply_sla", 120, False),  # the later batch wins
        ("zendesk", "2", "breach", None, None),
    ]
    (reason,) = query(settings, "select reason from raw.load_rejects")
    assert reason[0].startswith("event_type: unknown value (expected activate, pause, fulfill")


def test_a_landing_database_from_before_the_rating_column_gains_it(settings: Settings) -> None:
    settings.landing_path.parent.mkdir(parents=True, exist_ok=True)
    old = duckdb.connect(str(settings.landing_path))
    old.execute("create schema raw")
    old.execute(
        "create table raw.csat_responses (response_id varchar, ticket_id varchar, "
        "responded_at timestamp, score integer, comment varchar, _batch_id bigint, "
        "_file_name varchar, _line_number bigint, _extra varchar)"
    )
    old.execute(
        "insert into raw.csat_responses values ('R0', 'T0', '2025-01-01', 4, null, 1, 'x', 2, null)"
    )
    old.close()
    connect_landing(settings).close()
    write(
        settings,
        "csat_responses",
        "b1.csv",
        "response_id,ticket_id,responded_at,rating",
        "R1,T1,2025-03-03 12:00,bad",
    )
    run(settings)
    assert query(
        settings, "select response_id, score, rating from raw.csat_responses order by 1"
    ) == [
        ("R0", 4, None),
        ("R1", None, "bad"),
    ]
