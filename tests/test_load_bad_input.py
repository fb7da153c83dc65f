"""Bad input (DESIGN s3): rejected rows with line and reason, refused files with one
message naming them, events against their tickets, and text that looks like code.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from warehouse.core.settings import Settings
from warehouse.pipeline.load import LoadSummary, load
from warehouse.pipeline.loading import readers

TICKET_HEADER = (
    "ticket_id,created_at,updated_at,account_id,channel,priority,status,group_name,subject"
)
GOOD_TICKET = "T1,2025-03-03 12:00,2025-03-03 12:30,A1,email,high,open,tier1,ok"
EVENT_HEADER = "event_id,ticket_id,event_at,event_type,actor_role,is_public"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    (data / "raw").mkdir(parents=True)
    return Settings(
        data_dir=data,
        raw_dir=data / "raw",
        landing_path=data / "landing.duckdb",
        warehouse_path=data / "warehouse.duckdb",
        memory_limit="1GB",
        threads=1,
    )


def write(settings: Settings, entity: str, name: str, content: str | bytes) -> Path:
    path = settings.raw_dir / entity / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def run(settings: Settings, **kw: object) -> LoadSummary:
    return load(settings, settings.raw_dir, echo=lambda _: None, **kw)  # type: ignore[arg-type]


def query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.landing_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def rejects(settings: Settings, entity: str) -> list[tuple[int, str]]:
    return query(
        settings,
        f"select line_number, reason from raw.load_rejects where entity = '{entity}' order by 1",
    )


# ---------------------------------------------------------------------------------------
# Rejected rows


def test_ticket_row_defects_rejected_with_line_and_reason(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        lines(
            TICKET_HEADER + ",is_proactive,type",
            GOOD_TICKET + ",yes,incident",  # 2 good
            ",2025-03-03 12:00,2025-03-03 12:00,A1,email,high,open,tier1,x,,",  # 3 no key
            "T3,2025-02-30 12:00,2025-03-03 12:00,A1,email,high,open,tier1,x,,",  # 4 bad date
            "T4,yesterday,2025-03-03 12:00,A1,email,high,open,tier1,x,,",  # 5 not a ts
            "T5,2025-03-03 12:00,2025-03-03 12:00,A1,fax,P5,open,tier1,x,,",  # 6 two enums
            "T6,2025-03-03 12:00,2025-03-03 12:00,,email,high,open,tier1,x,,",  # 7 no account
            "T7,2025-03-03 12:00,2025-03-03 12:00,A1,email,high,open,tier1,x,maybe,",  # 8 bool
            "T8,2025-03-03 12:00,2025-03-03 12:00,A1,email,high,open,tier1,x",  # 9 short
            "T9,2025-03-03 12:00,2025-03-03 12:00,A1,email,high,open,tier1,x,,,extra",  # 10 long
            "T10,2025-03-03 12:00,2025-03-03 12:00,A1,email,high,open,tier1,x,no,bug",  # 11 type
            "T11,2025-03-03 12:00,2025-03-03 12:00,A1,email,Low,Solved,Tier2,x,0,Question",  # 12 ok
        ),
    )
    summary = run(settings)
    (batch,) = summary.batches
    assert (batch.rows_read, batch.rows_landed, batch.rows_rejected) == (11, 2, 9)
    assert rejects(settings, "tickets") == [
        (3, "ticket_id: missing key"),
        (4, "created_at: not an ISO-8601 timestamp"),
        (5, "created_at: not an ISO-8601 timestamp"),
        (
            6,
            "channel: unknown value (expected email, chat, phone, web, console, api, "
            "monitoring, bot); priority: unknown value (expected critical, high, medium, low)",
        ),
        (7, "account_id: missing required value"),
        (8, "is_proactive: not a boolean (true/false, 1/0, yes/no)"),
        (9, "malformed row: fewer fields than the header"),
        (10, "malformed row: more fields than the header"),
        (
            11,
            "type: unknown value (expected incident, problem, question, task, feature_request)",
        ),
    ]
    assert query(
        settings, "select ticket_id, is_proactive, type, group_name from raw.tickets order by 1"
    ) == [
        ("T1", True, "incident", "tier1"),
        ("T11", False, "question", "tier2"),
    ]
    # Good rows after rows the CSV reader dropped keep their own line numbers.
    assert query(settings, "select ticket_id, _line_number from raw.tickets order by 1") == [
        ("T1", 2),
        ("T11", 12),
    ]
    raw_row = query(settings, "select raw_row from raw.load_rejects where line_number = 6")[0][0]
    assert json.loads(raw_row)["priority"] == "P5"
    raw_line = query(settings, "select raw_row from raw.load_rejects where line_number = 9")[0][0]
    assert json.loads(raw_line) == {
        "_raw_line": "T8,2025-03-03 12:00,2025-03-03 12:00,A1,email,high,open,tier1,x"
    }


def test_numeric_range_and_format_defects(settings: Settings) -> None:
    write(
        settings,
        "csat_responses",
        "b1.csv",
        lines(
            "response_id,ticket_id,responded_at,score",
            "R1,T1,2025-03-03 12:00,5",
            "R2,T1,2025-03-03 12:00,6",
            "R3,T1,2025-03-03 12:00,0",
            "R4,T1,2025-03-03 12:00,4.5",
            "R5,T1,2025-03-03 12:00,five",
            "R6,T1,2025-03-03 12:00,",
        ),
    )
    write(
        settings,
        "contracts",
        "b1.csv",
        lines(
            "contract_id,account_id,product,start_date,mrr,currency",
            "C1,A1,compute,2025-01-01,100.00,USD",
            "C2,A1,compute,2025-01-01,-5,USD",
            "C3,A1,compute,01.02.2025,5,USD",
            "C4,A1,compute,2025-01-01,5,GBP",
        ),
    )
    write(
        settings,
        "support_costs",
        "b1.csv",
        lines(
            "month,cost_category,amount,currency",
            "2025-01,tools,10,RUB",
            "2025-13,tools,10,RUB",
            "January,tools,10,RUB",
        ),
    )
    write(
        settings,
        "okr_manual_values",
        "b1.csv",
        lines(
            "kr_id,period,value",
            "headcount,2025-06,25",
            "headcount,2025-q2,24",
            "headcount,2025-Q5,1",
            "headcount,2025,1",
            "enps,2025-Q2,-12.5",
        ),
    )
    write(
        settings,
        "nps_responses",
        "b1.csv",
        lines(
            "response_id,account_id,responded_at,score,wave",
            "N1,A1,2025-03-03 12:00,10,2025-Q1",
            "N2,A1,2025-03-03 12:00,11,2025-Q1",
            "N3,A1,2025-03-03 12:00,3,Q1-2025",
        ),
    )
    write(
        settings,
        "qa_reviews",
        "b1.csv",
        lines(
            "review_id,ticket_id,engineer_id,reviewed_at,technical_accuracy,communication,timeliness,process,customer_satisfaction",
            "Q1,T1,E1,2025-03-03 12:00,25,25,20,20,10",
            "Q2,T1,E1,2025-03-03 12:00,26,25,20,20,-1",
        ),
    )
    summary = run(settings)
    assert all(b.rows_read == b.rows_landed + b.rows_rejected for b in summary.batches)
    assert rejects(settings, "csat_responses") == [
        (3, "score: out of range 1..5"),
        (4, "score: out of range 1..5"),
        (5, "score: not a whole number"),
        (6, "score: not a whole number"),
        (7, "score: missing required value"),
    ]
    assert rejects(settings, "contracts") == [
        (3, "mrr: negative amount"),
        (4, "start_date: not a date (YYYY-MM-DD)"),
        (5, "currency: unknown value (expected RUB, USD, EUR)"),
    ]
    assert rejects(settings, "support_costs") == [
        (3, "month: not a month (YYYY-MM)"),
        (4, "month: not a month (YYYY-MM)"),
    ]
    assert rejects(settings, "okr_manual_values") == [
        (4, "period: not a period (YYYY-MM or YYYY-Qn)"),
        (5, "period: not a period (YYYY-MM or YYYY-Qn)"),
    ]
    assert query(
        settings, "select kr_id, period, value from raw.okr_manual_values order by 1, 2"
    ) == [
        ("enps", "2025-Q2", -12.5),
        ("headcount", "2025-06", 25.0),
        ("headcount", "2025-Q2", 24.0),
    ]
    assert rejects(settings, "nps_responses") == [
        (3, "score: out of range 0..10"),
        (4, "wave: not a survey wave (YYYY-Qn)"),
    ]
    assert rejects(settings, "qa_reviews") == [
        (3, "technical_accuracy: out of range 0..25; customer_satisfaction: out of range 0..10"),
    ]


def test_malformed_jsonl_lines_rejected(settings: Settings) -> None:
    good = {
        "response_id": "R1",
        "ticket_id": "T1",
        "responded_at": "2025-03-03T09:00:00Z",
        "score": 5,
    }
    write(
        settings,
        "csat_responses",
        "b1.jsonl",
        lines(
            json.dumps(good),
            "",
            "{not json",
            "[1, 2]",
            json.dumps({**good, "response_id": "R2", "score": 9}),
        ),
    )
    (batch,) = run(settings).batches
    assert (batch.rows_read, batch.rows_landed, batch.rows_rejected) == (4, 1, 3)
    assert rejects(settings, "csat_responses") == [
        (3, "malformed row: not a JSON object"),
        (4, "malformed row: not a JSON object"),
        (5, "score: out of range 1..5"),
    ]


def test_multiline_quoted_value_and_bad_quote(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        lines(
            TICKET_HEADER,
            'T1,2025-03-03 12:00,2025-03-03 12:30,A1,email,high,open,tier1,"line one\nline two"',
            'T2,2025-03-03 12:00,2025-03-03 12:30,A1,email,high,open,tier1,say "hi"',
            'T3,2025-03-03 12:00,2025-03-03 12:30,A1,email,high,open,tier1,"abc"def',
            "T4,2025-03-03 12:00,2025-03-03 12:30,A1,email,high,open,tier1,ok",
        ),
    )
    (batch,) = run(settings).batches
    assert (batch.rows_read, batch.rows_landed, batch.rows_rejected) == (4, 3, 1)
    # A quote inside an unquoted value is kept as written.
    assert query(settings, "select ticket_id, subject from raw.tickets order by 1") == [
        ("T1", "line one\nline two"),
        ("T2", 'say "hi"'),
        ("T4", "ok"),
    ]
    # Line numbers are physical lines: T1's two-line value takes lines 2 and 3, T2 is on
    # line 4, so T3 starts on line 5, where an editor shows it.
    assert rejects(settings, "tickets") == [(5, "malformed row: bad quoting")]
    assert query(settings, "select ticket_id, _line_number from raw.tickets order by 1") == [
        ("T1", 2),
        ("T2", 4),
        ("T4", 6),
    ]


# ---------------------------------------------------------------------------------------
# Events against tickets


def test_event_before_ticket_beyond_skew_rejected_and_orphans_kept(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", lines(TICKET_HEADER, GOOD_TICKET))  # created 09:00 UTC
    write(
        settings,
        "ticket_events",
        "b1.csv",
        lines(
            EVENT_HEADER,
            "E1,T1,2025-03-03 12:00,created,customer,",
            "E2,T1,2025-03-03T08:55:00Z,comment,agent,true",  # exactly 300 s early: allowed
            "E3,T1,2025-03-03T08:54:59Z,comment,agent,true",  # 301 s early: rejected
            "E4,T404,2025-03-01 00:00,comment,customer,false",  # ticket unknown: kept
            "E5,T405,2025-03-01 00:00,created,customer,",  # ticket unknown: kept
        ),
    )
    summary = run(settings)
    events = summary.batches[1]
    assert (events.rows_read, events.rows_landed, events.rows_rejected, events.orphans) == (
        5,
        4,
        1,
        2,
    )
    assert summary.orphan_events == 2
    assert rejects(settings, "ticket_events") == [
        (4, "event_at: before its ticket was created (by more than 300 s)")
    ]
    assert query(settings, "select event_id, is_public from raw.ticket_events order by 1") == [
        ("E1", None),
        ("E2", True),
        ("E4", False),
        ("E5", None),
    ]
    # The orphans' ticket arrives later: they stop being orphans.
    write(
        settings,
        "tickets",
        "b2.csv",
        lines(
            TICKET_HEADER, "T404,2025-02-28 12:00,2025-03-03 12:30,A1,email,high,open,tier1,late"
        ),
    )
    assert run(settings).orphan_events == 1


# ---------------------------------------------------------------------------------------
# Text that looks like code


def test_formula_and_sql_text_stored_verbatim(settings: Settings) -> None:
    nasty = ["=1+1", "'); drop table raw.tickets; --", "@SUM(A1)", "+7 999", "-1", "Robert'); --"]
    rows = [
        f'T{i},2025-03-03 12:00,2025-03-03 12:30,A1,email,high,open,tier1,"{text}"'
        for i, text in enumerate(nasty)
    ]
    write(
        settings,
        "tickets",
        "b1.csv",
        lines(
            TICKET_HEADER + ',"x""); drop table raw.tickets; --"',
            *[r + ",=HYPERLINK(1)" for r in rows],
        ),
    )
    run(settings)
    got = query(settings, "select subject, _extra from raw.tickets order by _line_number")
    assert [g[0] for g in got] == nasty
    assert json.loads(got[0][1]) == {'x"); drop table raw.tickets; --': "=HYPERLINK(1)"}


def test_sql_looking_header_in_missing_column_message(settings: Settings) -> None:
    write(
        settings, "tickets", "b1.csv", lines('ticket_id,"created_at\'; drop table x; --"', "T1,1")
    )
    (batch,) = run(settings).batches
    assert batch.status == "failed"
    assert "misses the required columns created_at" in (batch.error or "")


# ---------------------------------------------------------------------------------------
# Refused files


def _good_accounts(settings: Settings) -> None:
    write(
        settings,
        "accounts",
        "good.csv",
        lines(
            "account_id,account_name,industry,segment,region,created_at",
            "A1,Acme,retail,smb,Moscow,2024-01-01",
        ),
    )


def _truncated_gz() -> bytes:
    data = gzip.compress(
        lines(TICKET_HEADER, *[GOOD_TICKET.replace("T1", f"T{i}") for i in range(2000)]).encode()
    )
    return data[: len(data) // 2]


def _corrupt_gz(size: int) -> bytes:
    rows = [GOOD_TICKET.replace("T1", f"T{i}") for i in range(size)]
    data = bytearray(gzip.compress(lines(TICKET_HEADER, *rows).encode()))
    middle = len(data) * 3 // 4
    data[middle : middle + 8] = b"\xff" * 8
    return bytes(data)


def _parquet_bytes(tmp_path: Path) -> bytes:
    target = tmp_path / "x.parquet"
    con = duckdb.connect()
    con.execute("copy (select 'T1' as ticket_id) to ? (format parquet)", [str(target)])
    con.close()
    return target.read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("b1.csv.gz", "truncated-gz", "tickets/b1.csv.gz the gzip stream is truncated"),
        ("b1.csv.gz", "corrupt-gz-small", "tickets/b1.csv.gz the gzip "),
        ("b1.csv.gz", "corrupt-gz-large", "tickets/b1.csv.gz the gzip data is corrupt"),
        (
            "b1.csv.gz",
            lines(TICKET_HEADER, GOOD_TICKET),
            "is not gzip-compressed although its name ends in .csv.gz",
        ),
        ("b1.csv", "parquet", "tickets/b1.csv is a Parquet file, not CSV"),
        ("b1.parquet", b"\x00garbage\xff" * 50, "tickets/b1.parquet is not a Parquet file"),
        (
            "b1.parquet",
            lines(TICKET_HEADER, GOOD_TICKET),
            "tickets/b1.parquet is not a Parquet file",
        ),
        (
            "b1.parquet",
            "parquet-truncated",
            "tickets/b1.parquet is a truncated or corrupt Parquet file",
        ),
        ("b1.csv", b"", "tickets/b1.csv is empty (not even a header row)"),
        ("b1.csv", b"garbage\x98\x98 text\n", "tickets/b1.csv cannot be decoded as cp1251"),
        ("b1.csv", b"PK\x03\x04\x00\x00binary", "tickets/b1.csv contains NUL bytes"),
        (
            "b1.csv",
            lines(TICKET_HEADER, GOOD_TICKET.replace("ok", "café résumé naïve")).encode("latin-1"),
            "tickets/b1.csv is not valid UTF-8, and read as Windows-1251 it is not Russian text",
        ),
        (
            "b1.csv",
            lines("ticket_id,created_at,status", "T1,2025-01-01,new"),
            "misses the required columns updated_at",
        ),
        (
            "b1.csv",
            b"\x1f\x8b" + b"\x00" * 30,
            "tickets/b1.csv is gzip-compressed; name it .csv.gz",
        ),
        ("b1.jsonl", b"PAR1\x00\x00", "tickets/b1.jsonl is a Parquet file"),
        ("b1.jsonl", b"", "tickets/b1.jsonl is empty"),
        ("b1.csv", lines('{"ticket_id": "T1"}'), "tickets/b1.csv looks like JSON, not CSV"),
        ("b1.csv", lines("ticket_id,ticket_id,created_at"), "the column 'ticket_id' appears twice"),
    ],
)
def test_refused_file_lands_nothing_and_others_load(
    settings: Settings, tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    if content == "truncated-gz":
        content = _truncated_gz()
    elif content == "corrupt-gz-small":
        content = _corrupt_gz(2000)
    elif content == "corrupt-gz-large":
        content = _corrupt_gz(40000)  # beyond the 1 MiB sample: found by DuckDB
    elif content == "parquet":
        content = _parquet_bytes(tmp_path)
    elif content == "parquet-truncated":
        content = _parquet_bytes(tmp_path)[:-10]
    _good_accounts(settings)
    write(settings, "tickets", "a0.csv", lines(TICKET_HEADER, GOOD_TICKET.replace("T1", "T0")))
    write(settings, "tickets", name, content)
    summary = run(settings)
    assert summary.failed_files == [f"tickets/{name}"]
    (failed,) = summary.failed
    assert message in (failed.error or ""), failed.error
    assert "\n" not in (failed.error or "")
    assert query(settings, "select ticket_id from raw.tickets") == [("T0",)]
    assert query(settings, "select count(*) from raw.accounts") == [(1,)]
    assert query(
        settings,
        "select status, rows_read, rows_landed, error is not null from raw.load_manifest "
        "where file_name = 'tickets/" + name + "'",
    ) == [("failed", 0, 0, True)]


def test_refused_file_recorded_once_and_retried(settings: Settings) -> None:
    path = write(settings, "tickets", "b1.csv", lines("ticket_id,created_at", "T1,2025-01-01"))
    assert run(settings).failed_files == ["tickets/b1.csv"]
    assert run(settings).failed_files == ["tickets/b1.csv"]
    assert query(settings, "select count(*) from raw.load_manifest") == [(1,)]
    path.write_text(lines(TICKET_HEADER, GOOD_TICKET))
    summary = run(settings)
    assert not summary.failed_files
    assert query(settings, "select status from raw.load_manifest order by batch_id") == [
        ("failed",),
        ("loaded",),
    ]


def test_header_only_file_loads_zero_rows(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", lines(TICKET_HEADER))
    (batch,) = run(settings).batches
    assert (batch.status, batch.rows_read, batch.rows_landed) == ("loaded", 0, 0)


def test_cp1251_after_a_utf8_looking_start(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample looks like UTF-8 (ASCII only); the Cyrillic further down is cp1251."""
    monkeypatch.setattr(readers, "SAMPLE_BYTES", 64)
    rows = [GOOD_TICKET.replace("T1", f"T{i}") for i in range(5)]
    rows.append("T9,2025-03-03 12:00,2025-03-03 12:30,A1,email,high,open,tier1,Привет мир")
    write(settings, "tickets", "b1.csv", lines(TICKET_HEADER, *rows).encode("cp1251"))
    (batch,) = run(settings).batches
    assert batch.status == "loaded", batch.error
    assert query(settings, "select subject from raw.tickets where ticket_id = 'T9'") == [
        ("Привет мир",)
    ]


def test_forced_wrong_encoding_refused(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        lines(TICKET_HEADER, GOOD_TICKET.replace("ok", "Привет")).encode("cp1251"),
    )
    (batch,) = run(settings, encoding="utf-8").batches
    assert batch.status == "failed"
    assert "is not valid utf-8 text" in (batch.error or "")


def test_unknown_encoding_argument_is_a_user_error(settings: Settings) -> None:
    from warehouse.core.errors import PulseError

    with pytest.raises(PulseError, match="unknown encoding"):
        run(settings, encoding="klingon")
    with pytest.raises(PulseError, match="one character"):
        run(settings, delimiter=";;")


def test_line_numbers_around_runs_of_malformed_rows(settings: Settings) -> None:
    good = [GOOD_TICKET.replace("T1", f"T{i}") for i in range(8)]
    short = "X,2025-03-03 12:00"
    write(
        settings,
        "tickets",
        "b1.csv",
        lines(TICKET_HEADER, good[0], short, short, good[1], short, good[2], good[3], short),
    )
    (batch,) = run(settings).batches
    assert (batch.rows_read, batch.rows_landed, batch.rows_rejected) == (8, 4, 4)
    assert query(settings, "select ticket_id, _line_number from raw.tickets order by 2") == [
        ("T0", 2),
        ("T1", 5),
        ("T2", 7),
        ("T3", 8),
    ]
    assert [r[0] for r in rejects(settings, "tickets")] == [3, 4, 6, 9]
