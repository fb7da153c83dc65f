"""`pulse load` on small hand-made extracts: formats, encodings, time zones, aliases,
idempotency, upsert, reconciliation and the command line.

Every expected value is worked out by hand from the rows written in each test.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from warehouse.core.settings import Settings
from warehouse.pipeline.load import LoadSummary, load

TICKET_HEADER = (
    "ticket_id,created_at,updated_at,account_id,channel,priority,status,group_name,subject"
)
TICKET_ROWS = [
    "T1,2025-03-03 12:00,2025-03-03 12:30,A1,email,P1,open,tier1,first",
    "T2,2025-03-03T12:00:00+03:00,2025-03-03T10:00:00Z,A2,Chat,URGENT,New,TIER2,second",
    "T3,2025-03-04T09:15:00Z,2025-03-04T09:15:00Z,A1,web,p4,solved,tier3,third",
]
# Hand-worked: Moscow is UTC+3 all year, so naive 12:00 -> 09:00 UTC.
EXPECTED_TICKETS = [
    (
        "T1",
        datetime(2025, 3, 3, 9, 0),
        datetime(2025, 3, 3, 9, 30),
        "A1",
        "email",
        "critical",
        "open",
        "tier1",
        "first",
    ),
    (
        "T2",
        datetime(2025, 3, 3, 9, 0),
        datetime(2025, 3, 3, 10, 0),
        "A2",
        "chat",
        "critical",
        "new",
        "tier2",
        "second",
    ),
    (
        "T3",
        datetime(2025, 3, 4, 9, 15),
        datetime(2025, 3, 4, 9, 15),
        "A1",
        "web",
        "low",
        "solved",
        "tier3",
        "third",
    ),
]
TICKET_COLS = (
    "ticket_id, created_at, updated_at, account_id, channel, priority, status, group_name, subject"
)


def make_settings(tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    return Settings(
        data_dir=data,
        raw_dir=data / "raw",
        landing_path=data / "landing.duckdb",
        warehouse_path=data / "warehouse.duckdb",
        memory_limit="1GB",
        threads=1,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = make_settings(tmp_path)
    s.raw_dir.mkdir(parents=True)
    return s


def write(settings: Settings, entity: str, name: str, content: str | bytes) -> Path:
    path = settings.raw_dir / entity / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def csv_text(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


def run(settings: Settings, **kw: object) -> LoadSummary:
    return load(settings, settings.raw_dir, echo=lambda _: None, **kw)  # type: ignore[arg-type]


def query(settings: Settings, sql: str, params: list[object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.landing_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def tickets(settings: Settings) -> list[tuple]:
    return query(settings, f"select {TICKET_COLS} from raw.tickets order by ticket_id")


# ---------------------------------------------------------------------------------------
# Formats


def test_csv_round_trip(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", csv_text(TICKET_HEADER, TICKET_ROWS))
    summary = run(settings)
    assert not summary.failed_files
    assert tickets(settings) == EXPECTED_TICKETS
    # Optional columns absent from the file: NULL, or the contract default.
    assert query(settings, "select distinct is_proactive, requester_id, type from raw.tickets") == [
        (False, None, None)
    ]
    assert query(
        settings, "select _batch_id, _file_name, _line_number from raw.tickets order by 3"
    ) == [
        (1, "tickets/b1.csv", 2),
        (1, "tickets/b1.csv", 3),
        (1, "tickets/b1.csv", 4),
    ]


def test_csv_gz_round_trip(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv.gz",
        gzip.compress(csv_text(TICKET_HEADER, TICKET_ROWS).encode()),
    )
    assert not run(settings).failed_files
    assert tickets(settings) == EXPECTED_TICKETS


def test_parquet_round_trip(settings: Settings, tmp_path: Path) -> None:
    src = tmp_path / "src.csv"
    src.write_text(csv_text(TICKET_HEADER, TICKET_ROWS))
    target = settings.raw_dir / "tickets" / "b1.parquet"
    target.parent.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(
        "copy (select * from read_csv(?, all_varchar = true)) to ? (format parquet)",
        [str(src), str(target)],
    )
    con.close()
    assert not run(settings).failed_files
    assert tickets(settings) == EXPECTED_TICKETS
    # Parquet rows are numbered by position, 1-based.
    assert [r[0] for r in query(settings, "select _line_number from raw.tickets order by 1")] == [
        1,
        2,
        3,
    ]


def test_parquet_typed_columns(settings: Settings) -> None:
    """Typed Parquet (timestamptz, integers, booleans) is read as its text value."""
    target = settings.raw_dir / "csat_responses" / "b1.parquet"
    target.parent.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(
        """
        copy (select 'R1' as response_id, 'T1' as ticket_id,
                     timestamptz '2025-03-03 12:00:00+03' as responded_at, 5 as score)
        to ? (format parquet)
        """,
        [str(target)],
    )
    con.close()
    assert not run(settings).failed_files
    assert query(settings, "select response_id, responded_at, score from raw.csat_responses") == [
        ("R1", datetime(2025, 3, 3, 9, 0), 5)
    ]


def test_jsonl_round_trip(settings: Settings) -> None:
    names = TICKET_HEADER.split(",")
    lines = [json.dumps(dict(zip(names, row.split(","), strict=True))) for row in TICKET_ROWS]
    write(settings, "tickets", "b1.jsonl", "\n".join(lines) + "\n")
    assert not run(settings).failed_files
    assert tickets(settings) == EXPECTED_TICKETS


def test_jsonl_native_json_types(settings: Settings) -> None:
    line = {
        "response_id": "R1",
        "ticket_id": "T1",
        "responded_at": "2025-03-03T09:00:00Z",
        "score": 4,
    }
    write(settings, "csat_responses", "b1.jsonl", json.dumps(line) + "\n")
    assert not run(settings).failed_files
    assert query(settings, "select score from raw.csat_responses") == [(4,)]


# ---------------------------------------------------------------------------------------
# Encodings and delimiters


def test_utf8_bom(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        b"\xef\xbb\xbf" + csv_text(TICKET_HEADER, TICKET_ROWS).encode(),
    )
    assert not run(settings).failed_files
    assert tickets(settings) == EXPECTED_TICKETS


RUSSIAN = "Не работает ВМ «Ёлка» — срочно №5"


def test_cp1251_semicolon_detected(settings: Settings) -> None:
    text = csv_text(
        TICKET_HEADER.replace(",", ";"),
        [f"T1;2025-03-03 12:00;2025-03-03 12:00;A1;email;high;open;tier1;{RUSSIAN}"],
    )
    write(settings, "tickets", "excel.csv", text.encode("cp1251"))
    summary = run(settings)
    assert not summary.failed_files
    assert query(settings, "select subject, priority from raw.tickets") == [(RUSSIAN, "high")]
    assert summary.batches[0].notes == ["Windows-1251", "';'"]


def test_cp1251_forced_encoding_and_delimiter(settings: Settings) -> None:
    text = csv_text(
        TICKET_HEADER.replace(",", "|"),
        [f"T1|2025-03-03 12:00|2025-03-03 12:00|A1|email|high|open|tier1|{RUSSIAN}"],
    )
    write(settings, "tickets", "excel.csv", text.encode("cp1251"))
    assert not run(settings, encoding="cp1251", delimiter="|").failed_files
    assert query(settings, "select subject from raw.tickets") == [(RUSSIAN,)]


def test_utf16_tab_separated_excel_unicode_text(settings: Settings) -> None:
    text = csv_text(
        TICKET_HEADER.replace(",", "\t"),
        [f"T1\t2025-03-03 12:00\t2025-03-03 12:00\tA1\temail\thigh\topen\ttier1\t{RUSSIAN}"],
    )
    write(settings, "tickets", "unicode.csv", text.encode("utf-16"))
    summary = run(settings)
    assert not summary.failed_files, summary.failed
    assert query(settings, "select subject from raw.tickets") == [(RUSSIAN,)]
    assert summary.batches[0].notes == ["utf-16", "tab"]


def test_utf8_cyrillic_with_semicolons(settings: Settings) -> None:
    text = csv_text(
        TICKET_HEADER.replace(",", ";"),
        [f"T1;2025-03-03 12:00;2025-03-03 12:00;A1;email;high;open;tier1;{RUSSIAN}"],
    )
    write(settings, "tickets", "b1.csv", text)
    assert not run(settings).failed_files
    assert query(settings, "select subject from raw.tickets") == [(RUSSIAN,)]


def test_decimal_comma_and_currency_case(settings: Settings) -> None:
    write(
        settings,
        "contracts",
        "b1.csv",
        "contract_id;account_id;product;start_date;end_date;mrr;currency\n"
        "C1;A1;Support_Plan;2025-01-01;;1234,5;rub\n",
    )
    assert not run(settings).failed_files
    assert query(
        settings, "select product, end_date, mrr::double, currency from raw.contracts"
    ) == [("support_plan", None, 1234.5, "RUB")]


# ---------------------------------------------------------------------------------------
# Time zones


def test_naive_timestamps_use_configured_zone(settings: Settings) -> None:
    row = "T1,2025-03-03 12:00,2025-03-03 12:00,A1,email,high,open,tier1,x"
    write(settings, "tickets", "b1.csv", csv_text(TICKET_HEADER, [row]))
    run(settings.with_overrides(timezone="Asia/Yekaterinburg"))  # UTC+5
    assert query(settings, "select created_at from raw.tickets") == [(datetime(2025, 3, 3, 7, 0),)]


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2025-03-03 12:00", datetime(2025, 3, 3, 9, 0)),
        ("2025-03-03T12:00:00", datetime(2025, 3, 3, 9, 0)),
        ("2025-03-03T12:00:00Z", datetime(2025, 3, 3, 12, 0)),
        ("2025-03-03T12:00:00+03:00", datetime(2025, 3, 3, 9, 0)),
        ("2025-03-03T12:00:00.250+0100", datetime(2025, 3, 3, 11, 0, 0, 250000)),
        ("2025-03-03 12:00:00-05", datetime(2025, 3, 3, 17, 0)),
        ("2025-03-03", datetime(2025, 3, 2, 21, 0)),
        ("2025-03-03 12:00:00 +03:00", datetime(2025, 3, 3, 9, 0)),
        ("2025-03-03t12:00:00z".replace("t", "T"), datetime(2025, 3, 3, 12, 0)),
        ("2025-03-03T12:00:00.5-0130", datetime(2025, 3, 3, 13, 30, 0, 500000)),
        (" 2025-03-03 12:00 ", datetime(2025, 3, 3, 9, 0)),
    ],
)
def test_timestamp_forms(settings: Settings, text: str, utc: datetime) -> None:
    write(
        settings,
        "csat_responses",
        "b1.csv",
        f"response_id,ticket_id,responded_at,score\nR1,T1,{text},5\n",
    )
    assert run(settings).rows_rejected == 0
    assert query(settings, "select responded_at from raw.csat_responses") == [(utc,)]


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-03 12:00 Europe/Moscow",
        "2025-03-03 12:00:00 UTC",
        "infinity",
        "2025-3-3 12:00",
        "03.03.2025 12:00",
        "2025-03-03T12",
        "2025-02-29 10:00",
        "2025-03-03 25:00",
        "12025-03-03 12:00",
    ],
)
def test_timestamp_forms_rejected(settings: Settings, text: str) -> None:
    write(
        settings,
        "csat_responses",
        "b1.csv",
        f"response_id,ticket_id,responded_at,score\nR1,T1,{text},5\n",
    )
    assert run(settings).rows_rejected == 1
    assert query(settings, "select reason from raw.load_rejects") == [
        ("responded_at: not an ISO-8601 timestamp",)
    ]


def test_nps_wave_defaults_to_quarter_in_source_zone(settings: Settings) -> None:
    # 2025-03-31 22:30 UTC is 2025-04-01 01:30 in Moscow: Q2.
    write(
        settings,
        "nps_responses",
        "b1.csv",
        "response_id,account_id,responded_at,score,wave,reason\n"
        "N1,A1,2025-03-31T22:30:00Z,9,,fast answers\n"
        "N2,A1,2025-03-31T20:30:00Z,7,2025-q1,\n",
    )
    run(settings)
    assert query(
        settings, "select response_id, wave, reason from raw.nps_responses order by 1"
    ) == [
        ("N1", "2025-Q2", "fast answers"),
        ("N2", "2025-Q1", None),
    ]


# ---------------------------------------------------------------------------------------
# Idempotency, upsert, re-exports


def test_second_load_skips(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", csv_text(TICKET_HEADER, TICKET_ROWS))
    first = run(settings)
    second = run(settings)
    assert [b.status for b in first.batches] == ["loaded"]
    assert [b.status for b in second.batches] == ["skipped"]
    assert query(settings, "select count(*) from raw.tickets") == [(3,)]
    assert query(settings, "select count(*) from raw.load_manifest") == [(1,)]


def test_newer_updated_at_wins_even_from_earlier_batch(settings: Settings) -> None:
    newer = "T1,2025-03-03 12:00,2025-03-05 12:00,A1,email,high,solved,tier1,newer"
    older = "T1,2025-03-03 12:00,2025-03-04 12:00,A1,email,high,open,tier1,older"
    write(settings, "tickets", "a.csv", csv_text(TICKET_HEADER, [newer]))
    write(settings, "tickets", "b.csv", csv_text(TICKET_HEADER, [older]))
    summary = run(settings)
    assert query(settings, "select subject, status, _file_name from raw.tickets") == [
        ("newer", "solved", "tickets/a.csv")
    ]
    # The older row was accepted, then superseded: it still counts as landed.
    assert [(b.rows_landed, b.rows_rejected) for b in summary.batches] == [(1, 0), (1, 0)]


def test_newer_updated_at_wins_across_runs(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b.csv",
        csv_text(
            TICKET_HEADER,
            [
                "T1,2025-03-03 12:00,2025-03-05 12:00,A1,email,high,solved,tier1,newer",
            ],
        ),
    )
    run(settings)
    write(
        settings,
        "tickets",
        "c.csv",
        csv_text(
            TICKET_HEADER,
            [
                "T1,2025-03-03 12:00,2025-03-04 12:00,A1,email,high,open,tier1,older",
                "T2,2025-03-03 12:00,2025-03-04 12:00,A1,email,high,open,tier1,new ticket",
            ],
        ),
    )
    run(settings)
    assert query(settings, "select ticket_id, subject from raw.tickets order by 1") == [
        ("T1", "newer"),
        ("T2", "new ticket"),
    ]


def test_equal_updated_at_later_batch_wins(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "a.csv",
        csv_text(
            TICKET_HEADER,
            [
                "T1,2025-03-03 12:00,2025-03-04 12:00,A1,email,high,open,tier1,first",
            ],
        ),
    )
    write(
        settings,
        "tickets",
        "b.csv",
        csv_text(
            TICKET_HEADER,
            [
                "T1,2025-03-03 12:00,2025-03-04 12:00,A1,email,high,open,tier1,second",
            ],
        ),
    )
    run(settings)
    assert query(settings, "select subject from raw.tickets") == [("second",)]


ACCOUNT_HEADER = "account_id,account_name,industry,segment,region,created_at"


def test_without_version_column_later_batch_wins(settings: Settings) -> None:
    write(
        settings,
        "accounts",
        "2025-01.csv",
        csv_text(
            ACCOUNT_HEADER,
            [
                "A1,Old name,retail,smb,Moscow,2024-01-01",
                "A2,Other,retail,smb,Moscow,2024-01-01",
            ],
        ),
    )
    write(
        settings,
        "accounts",
        "2025-02.csv",
        csv_text(
            ACCOUNT_HEADER,
            [
                "A1,New name,retail,Enterprise,Moscow,2024-01-01",
            ],
        ),
    )
    run(settings)
    assert query(
        settings, "select account_id, account_name, segment from raw.accounts order by 1"
    ) == [
        ("A1", "New name", "enterprise"),
        ("A2", "Other", "smb"),
    ]


def test_duplicate_keys_within_batch(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        csv_text(
            TICKET_HEADER,
            [
                "T1,2025-03-03 12:00,2025-03-05 12:00,A1,email,high,solved,tier1,latest",
                "T1,2025-03-03 12:00,2025-03-04 12:00,A1,email,high,open,tier1,stale",
            ],
        ),
    )
    write(
        settings,
        "accounts",
        "b1.csv",
        csv_text(
            ACCOUNT_HEADER,
            [
                "A1,First line,retail,smb,Moscow,2024-01-01",
                "A1,Second line,retail,smb,Moscow,2024-01-01",
            ],
        ),
    )
    summary = run(settings)
    assert query(settings, "select subject from raw.tickets") == [("latest",)]
    assert query(settings, "select account_name, _line_number from raw.accounts") == [
        ("Second line", 3)
    ]
    assert all(b.rows_landed == 2 and b.rows_read == 2 for b in summary.batches)


def test_composite_key_upsert(settings: Settings) -> None:
    header = "month,cost_category,amount,currency"
    write(
        settings,
        "support_costs",
        "a.csv",
        csv_text(
            header,
            [
                "2025-01,personnel,100,RUB",
                "2025-01,tools,5,RUB",
                "2025-02,personnel,110,RUB",
            ],
        ),
    )
    write(settings, "support_costs", "b.csv", csv_text(header, ["2025-01,personnel,120.50,RUB"]))
    run(settings)
    assert query(
        settings, "select month, cost_category, amount::double from raw.support_costs order by 1, 2"
    ) == [
        (datetime(2025, 1, 1).date(), "personnel", 120.5),
        (datetime(2025, 1, 1).date(), "tools", 5.0),
        (datetime(2025, 2, 1).date(), "personnel", 110.0),
    ]


def test_corrected_reexport_same_name_is_loaded(settings: Settings) -> None:
    path = write(
        settings,
        "accounts",
        "b1.csv",
        csv_text(
            ACCOUNT_HEADER,
            [
                "A1,Typo nmae,retail,smb,Moscow,2024-01-01",
            ],
        ),
    )
    run(settings)
    path.write_text(csv_text(ACCOUNT_HEADER, ["A1,Fixed name,retail,smb,Moscow,2024-01-01"]))
    summary = run(settings)
    assert [b.status for b in summary.batches] == ["loaded"]
    assert query(settings, "select account_name from raw.accounts") == [("Fixed name",)]
    assert query(settings, "select batch_id, status from raw.load_manifest order by 1") == [
        (1, "loaded"),
        (2, "loaded"),
    ]


def test_extra_columns_kept_as_json(settings: Settings) -> None:
    write(
        settings,
        "accounts",
        "b1.csv",
        csv_text(
            ACCOUNT_HEADER + ",CRM Owner,score",
            [
                'A1,Acme,retail,smb,Moscow,2024-01-01,"Ivanov, I.",7',
            ],
        ),
    )
    run(settings)
    (extra,) = query(settings, "select _extra from raw.accounts")[0]
    assert json.loads(extra) == {"CRM Owner": "Ivanov, I.", "score": "7"}


def test_tickets_load_before_events_and_order_by_name(settings: Settings) -> None:
    write(
        settings,
        "ticket_events",
        "a.csv",
        "event_id,ticket_id,event_at,event_type,actor_role\n"
        "E1,T1,2025-03-03 12:00,created,customer\n",
    )
    write(settings, "tickets", "b2.csv", csv_text(TICKET_HEADER, TICKET_ROWS[1:2]))
    write(settings, "tickets", "b1.csv", csv_text(TICKET_HEADER, TICKET_ROWS[:1]))
    summary = run(settings)
    assert [b.file_name for b in summary.batches] == [
        "tickets/b1.csv",
        "tickets/b2.csv",
        "ticket_events/a.csv",
    ]
    assert summary.orphan_events == 0


def test_unknown_files_and_directories_reported(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", csv_text(TICKET_HEADER, TICKET_ROWS))
    write(settings, "tickets", "notes.txt", "hello")
    write(settings, "customers", "b1.csv", "x\n1\n")
    (settings.raw_dir / ".gitkeep").write_text("")
    summary = run(settings)
    assert summary.ignored == [
        "customers/: not an entity of the extract contract",
        "tickets/notes.txt: unknown extension (expected .csv, .csv.gz, .parquet or .jsonl)",
    ]
    assert not summary.failed_files


# ---------------------------------------------------------------------------------------
# Reconciliation and the command line


def test_manifest_reconciles(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        csv_text(
            TICKET_HEADER,
            [
                *TICKET_ROWS,
                "T4,not a time,2025-03-03 12:00,A1,email,high,open,tier1,x",
                "T5,2025-03-03 12:00,2025-03-03 12:00,A1,fax,high,open,tier1,x",
            ],
        ),
    )
    run(settings)
    manifest = query(
        settings,
        "select entity, file_name, length(content_hash), rows_read, rows_landed, rows_rejected, "
        "status, error from raw.load_manifest",
    )
    assert manifest == [("tickets", "tickets/b1.csv", 64, 5, 3, 2, "loaded", None)]
    assert query(settings, "select count(*) from raw.load_rejects") == [(2,)]


def _cli_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PULSE_DATA_DIR=str(settings.data_dir),
        PULSE_LANDING=str(settings.landing_path),
        PULSE_MEMORY_LIMIT="1GB",
        PULSE_THREADS="1",
    )
    env.pop("PULSE_RAW_DIR", None)
    return env


def _pulse() -> str:
    return str(Path(sys.executable).parent / "pulse")


def test_cli_refused_file_exits_nonzero_without_traceback(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", csv_text(TICKET_HEADER, TICKET_ROWS))
    write(settings, "tickets", "b2.csv", "ticket_id,created_at\nT9,2025-01-01\n")
    proc = subprocess.run(
        [_pulse(), "load", "--raw", str(settings.raw_dir)],
        env=_cli_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Traceback" not in output
    assert "tickets/b2.csv misses the required columns updated_at, account_id" in output
    assert query(settings, "select count(*) from raw.tickets") == [(3,)]


def test_cli_bad_arguments_are_one_line(settings: Settings) -> None:
    proc = subprocess.run(
        [_pulse(), "load", "--raw", str(settings.raw_dir / "nope")],
        env=_cli_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "does not exist" in proc.stderr
