"""Trust, second pass (issue 11): nothing is lost silently. Each test writes the hand-made
attack file the issue describes and checks what the operator sees.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.test_incremental import EVENTS_BATCH_2, TICKETS_BATCH_2
from tests.test_incremental import EXTRACT as SLA_EXTRACT
from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings
from warehouse.pipeline.build import database_damage
from warehouse.pipeline.load import LoadSummary, load

HEADER = "ticket_id,created_at,updated_at,account_id,channel,priority,status,group_name,subject"
EVENT_HEADER = "event_id,ticket_id,event_at,event_type,actor_role"


def ticket(key: str, subject: str = "ok", created: str = "2025-03-03 12:00") -> str:
    return f"{key},{created},2025-03-03 12:30,A1,email,high,open,tier1,{subject}"


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


def run(settings: Settings) -> LoadSummary:
    return load(settings, settings.raw_dir, echo=lambda _: None)


def query(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.landing_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def rejects(settings: Settings) -> list[tuple]:
    return query(settings, "select entity, line_number, reason from raw.load_rejects order by 1, 2")


# ---------------------------------------------------------------------------------------
# 1. An unclosed quote never swallows the rest of the file


def test_unclosed_quote_before_50000_rows_refuses_the_file_naming_its_line(
    settings: Settings,
) -> None:
    good = [ticket(f"T{i}") for i in range(3, 50_003)]
    write(settings, "tickets", "b1.csv", lines(HEADER, ticket("T1"), ticket("T2", '"oops'), *good))
    summary = run(settings)
    assert summary.failed_files == ["tickets/b1.csv"]
    assert summary.failed[0].error == (
        "tickets/b1.csv has a quoted value that opens on line 3 and runs to the end of the "
        "file: the row is malformed, so the lines after it cannot be trusted; close the "
        "quote on line 3 and load again"
    )
    assert query(settings, "select count(*) from raw.tickets") == [(0,)]


def test_unclosed_quote_closed_by_a_later_row_still_refuses(settings: Settings) -> None:
    """The quote is closed by chance by the quoted subject five lines further: the five
    good lines in between would vanish inside one malformed row."""
    rows = [ticket("T2", '"oops'), *(ticket(f"T{i}") for i in range(3, 8))]
    rows.append(ticket("T8", '"Hello, world"'))
    rows.append(ticket("T9"))
    write(settings, "tickets", "b1.csv", lines(HEADER, ticket("T1"), *rows))
    (failed,) = run(settings).failed
    assert "opens on line 3 and runs over 7 lines, to line 9" in (failed.error or "")


def test_quoted_value_longer_than_the_limit_refuses(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_MAX_VALUE_LINES", "3")
    ok = ticket("T1", '"one\ntwo\nthree"')  # three lines: within the limit
    long = ticket("T2", '"one\ntwo\nthree\nfour"')
    write(settings, "tickets", "a.csv", lines(HEADER, ok))
    write(settings, "tickets", "b.csv", lines(HEADER, ticket("T0"), long, ticket("T3")))
    summary = run(settings)
    assert summary.failed_files == ["tickets/b.csv"]
    assert "opens on line 3 and runs over 4 lines, to line 6: the row is longer than 3 lines" in (
        summary.failed[0].error or ""
    )
    assert query(settings, "select ticket_id, subject from raw.tickets") == [
        ("T1", "one\ntwo\nthree")
    ]


def test_manifest_records_the_physical_line_count(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        lines(HEADER, "", ticket("T1", '"two\nlines"'), "", ticket("T2"), ticket("X", "")),
    )
    row = '{"response_id": "R1", "ticket_id": "T1", "responded_at": "2025-03-03", "score": 5}'
    write(settings, "csat_responses", "c.jsonl", lines(row, "", row.replace("R1", "R2")))
    batches = run(settings).batches
    assert query(
        settings,
        "select entity, rows_read, rows_landed, rows_rejected, file_lines from raw.load_manifest "
        "order by batch_id",
    ) == [("tickets", 3, 3, 0, 7), ("csat_responses", 2, 2, 0, 3)]
    assert batches[0].file_lines == 7


# ---------------------------------------------------------------------------------------
# 2. Line numbers are physical lines


def test_reject_and_landed_line_numbers_are_physical_lines(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        lines(
            HEADER,  # 1
            "",  # 2
            ticket("T1", '"a\n\nb"'),  # 3-5, a blank line inside the value
            "",  # 6
            "",  # 7
            ticket("T2").replace("email", "fax"),  # 8: rejected by validation
            "T3,short",  # 9: rejected by the reader
            ticket("T4", '"x""y"'),  # 10
        ),
    )
    (batch,) = run(settings).batches
    assert (batch.rows_read, batch.rows_landed, batch.rows_rejected) == (4, 2, 2)
    assert [r[1] for r in rejects(settings)] == [8, 9]
    assert query(
        settings, "select ticket_id, _line_number, subject from raw.tickets order by 1"
    ) == [
        ("T1", 3, "a\n\nb"),
        ("T4", 10, 'x"y'),
    ]


# ---------------------------------------------------------------------------------------
# 4. Control characters anywhere in the file


def test_nul_byte_after_the_first_mib_is_a_rejected_row(settings: Settings) -> None:
    good = [ticket(f"T{i}", "x" * 60) for i in range(20_000)]  # about 2.4 MB
    bad = ticket("TNUL", "before\x00after")
    write(settings, "tickets", "b1.csv", lines(HEADER, *good, bad, ticket("TEND")))
    (batch,) = run(settings).batches
    assert (batch.rows_read, batch.rows_landed, batch.rows_rejected) == (20_002, 20_001, 1)
    assert rejects(settings) == [
        ("tickets", 20_002, "subject: contains a control character, which is not text")
    ]
    assert query(settings, "select count(*) from raw.tickets where contains(subject, chr(0))") == [
        (0,)
    ]


# ---------------------------------------------------------------------------------------
# 5. A file cut mid-row


def test_last_row_cut_without_newline_refuses_as_truncated(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", (lines(HEADER, ticket("T1")) + "T2,2025-03-03 12:00,20"))
    (failed,) = run(settings).failed
    assert failed.error == (
        "tickets/b1.csv is truncated: its last row (line 3) ends without a line break and is "
        "incomplete (malformed row: fewer fields than the header); the export was cut off, "
        "export the file again"
    )
    assert query(settings, "select count(*) from raw.tickets") == [(0,)]


def test_last_row_cut_inside_a_quote_refuses_as_truncated(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", lines(HEADER, ticket("T1")) + ticket("T2", '"Hello, wor'))
    (failed,) = run(settings).failed
    assert "is truncated: its last row (line 3) ends without a line break" in (failed.error or "")


def test_complete_last_row_without_newline_loads_and_short_row_with_newline_is_rejected(
    settings: Settings,
) -> None:
    write(settings, "tickets", "a.csv", lines(HEADER, ticket("T1")) + ticket("T2"))
    write(settings, "tickets", "b.csv", lines(HEADER, ticket("T3"), "T4,2025-03-03 12:00,20"))
    summary = run(settings)
    assert not summary.failed_files
    assert query(settings, "select ticket_id from raw.tickets order by 1") == [
        ("T1",),
        ("T2",),
        ("T3",),
    ]
    assert rejects(settings) == [("tickets", 3, "malformed row: fewer fields than the header")]


# ---------------------------------------------------------------------------------------
# 6. Links out of the raw directory


def test_symlink_out_of_the_raw_directory_is_refused_unread(
    settings: Settings, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    (settings.raw_dir / "engineers").mkdir()
    (settings.raw_dir / "engineers" / "x.csv").symlink_to(secret)
    outside_dir = tmp_path / "elsewhere"
    outside_dir.mkdir()
    (outside_dir / "t.csv").write_text(lines(HEADER, ticket("T1")))
    (settings.raw_dir / "tickets").symlink_to(outside_dir)
    # A link that stays inside the raw directory is followed as before.
    write(
        settings,
        "accounts",
        "real.csv",
        lines(
            "account_id,account_name,industry,segment,region,created_at",
            "A1,Acme,retail,smb,Moscow,2024-01-01",
        ),
    )
    (settings.raw_dir / "accounts" / "link.csv").symlink_to(
        settings.raw_dir / "accounts" / "real.csv"
    )
    summary = run(settings)
    assert sorted(b.error or "" for b in summary.failed) == [
        "engineers/x.csv is a link to a file outside the raw directory and was not read; "
        "copy the extract into the raw directory instead",
        "tickets/t.csv is a link to a file outside the raw directory and was not read; "
        "copy the extract into the raw directory instead",
    ]
    errors = " ".join(
        r[0] for r in query(settings, "select coalesce(error, '') from raw.load_manifest")
    )
    assert "root" not in errors
    assert query(settings, "select count(*) from raw.accounts") == [(1,)]


def test_header_excerpt_in_a_message_is_short_and_escaped(settings: Settings) -> None:
    """A password file copied in as an extract: the message shows the start of its first
    line, escaped, and nothing more."""
    header = (
        "nobody:x:65534:65534:n\u00e9body:/nonexistent:/bin/sh"
        + ":daemon:x:1:1:/usr/sbin/nologin" * 4
    )
    write(settings, "engineers", "x.csv", lines(header, "a"))
    (failed,) = run(settings).failed
    error = failed.error or ""
    assert error == (
        "engineers/x.csv misses the required columns engineer_id, full_name, email, team_id, "
        "team_name, support_tier, hired_at (the header starts "
        "'nobody:x:65534:65534:n\\xe9body:/nonexistent:/bin/sh:daemon:x:1:'...)"
    )


# ---------------------------------------------------------------------------------------
# 3. Events landed before their ticket are checked when it arrives


def test_orphan_event_rechecked_when_its_ticket_lands(settings: Settings) -> None:
    write(
        settings,
        "ticket_events",
        "e1.csv",
        lines(
            EVENT_HEADER,
            "E1,T9,2019-01-01T00:00:00Z,comment,customer",  # years before the ticket
            "E2,T9,2025-03-03T08:56:00Z,created,customer",  # within the skew allowance
            "E3,T404,2019-01-01T00:00:00Z,comment,customer",  # ticket never arrives
        ),
    )
    first = run(settings)
    assert first.orphan_events == 3
    write(settings, "tickets", "t1.csv", lines(HEADER, ticket("T9")))  # 09:00 UTC
    second = run(settings)
    assert second.batches[0].late_rejects == 1
    assert second.orphan_events == 1
    assert query(settings, "select event_id from raw.ticket_events order by 1") == [
        ("E2",),
        ("E3",),
    ]
    ((batch_id, file_name, line, raw_row, reason),) = query(
        settings,
        "select batch_id, file_name, line_number, raw_row, reason from raw.load_rejects",
    )
    assert (file_name, line) == ("ticket_events/e1.csv", 2)
    assert reason == (
        "event_at: before its ticket was created (by more than 300 s; found when the ticket "
        "landed after the event)"
    )
    assert json.loads(raw_row)["event_id"] == "E1"
    # The events batch still reconciles: one row moved from landed to rejected.
    assert query(
        settings,
        f"select rows_read, rows_landed, rows_rejected from raw.load_manifest "
        f"where batch_id = {batch_id}",
    ) == [(3, 2, 1)]


# ---------------------------------------------------------------------------------------
# 7. Smaller defects


def test_cr_only_line_endings_refused_with_the_right_reason(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", "\r".join([HEADER, ticket("T1"), ticket("T2")]) + "\r")
    (failed,) = run(settings).failed
    assert failed.error == (
        "tickets/b1.csv uses carriage returns alone as line breaks (classic Mac format); "
        "re-export it with LF or CRLF line breaks"
    )


def test_implausible_timestamps_and_offsets_rejected(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        lines(
            HEADER,
            ticket("T1", created="2025-03-03T12:00:00+25:00"),
            ticket("T2", created="0001-01-01 00:00"),
            ticket("T3", created="2025-03-03T12:00:00+14:00"),
            ticket("T4", created="2025-03-03T12:00:00-03:75"),
        ),
    )
    run(settings)
    assert rejects(settings) == [
        ("tickets", 2, "created_at: UTC offset beyond +-14:00"),
        (
            "tickets",
            3,
            "created_at: outside the plausible range 1990-01-01 to 2100-01-01 "
            "(PULSE_TIMESTAMP_MIN, PULSE_TIMESTAMP_MAX)",
        ),
        ("tickets", 5, "created_at: UTC offset beyond +-14:00"),
    ]
    # The bounds are configurable, and the reason says so.
    monkeypatch.setenv("PULSE_TIMESTAMP_MIN", "2025-03-04")
    write(settings, "tickets", "b2.csv", lines(HEADER, ticket("T5")))
    run(settings)
    assert query(
        settings,
        "select line_number, reason from raw.load_rejects where file_name = 'tickets/b2.csv'",
    ) == [
        (
            2,
            "created_at: outside the plausible range 2025-03-04 to 2100-01-01 "
            "(PULSE_TIMESTAMP_MIN, PULSE_TIMESTAMP_MAX); updated_at: outside the plausible "
            "range 2025-03-04 to 2100-01-01 (PULSE_TIMESTAMP_MIN, PULSE_TIMESTAMP_MAX)",
        )
    ]
    monkeypatch.setenv("PULSE_TIMESTAMP_MIN", "last year")
    with pytest.raises(PulseError, match="PULSE_TIMESTAMP_MIN must be a date"):
        run(settings)


def test_number_defects_have_exact_reasons(settings: Settings) -> None:
    write(
        settings,
        "csat_responses",
        "b1.csv",
        lines(
            "response_id,ticket_id,responded_at,score",
            'R1,T1,2025-03-03 12:00,"4,0"',  # decimal comma whole number: 4
            "R2,T1,2025-03-03 12:00,99999999999999999999",
            'R3,T1,2025-03-03 12:00,"4,5"',
        ),
    )
    write(
        settings,
        "contracts",
        "b1.csv",
        lines(
            "contract_id,account_id,product,start_date,mrr,currency",
            "C1,A1,compute,2025-01-01,0.001,USD",
            "C2,A1,compute,2025-01-01,1e30,USD",
            "C3,A1,compute,2025-01-01,12.50,USD",
            'C4,A1,compute,2025-01-01,"7,25",USD',
        ),
    )
    run(settings)
    assert rejects(settings) == [
        ("contracts", 2, "mrr: more than 2 decimal places (it would be rounded)"),
        ("contracts", 3, "mrr: out of range (too large)"),
        ("csat_responses", 3, "score: out of range 1..5"),
        ("csat_responses", 4, "score: not a whole number"),
    ]
    assert query(settings, "select response_id, score from raw.csat_responses") == [("R1", 4)]
    assert query(settings, "select contract_id, mrr::varchar from raw.contracts order by 1") == [
        ("C3", "12.50"),
        ("C4", "7.25"),
    ]


# ---------------------------------------------------------------------------------------
# 15b. Key normalisation


def test_keys_and_references_trimmed_case_kept(settings: Settings) -> None:
    write(
        settings,
        "tickets",
        "b1.csv",
        lines(HEADER, ticket("TB001"), ticket(" TB001", "again").replace(",A1,", ",\tA1\u00a0,")),
    )
    write(
        settings,
        "ticket_events",
        "b1.csv",
        lines(EVENT_HEADER, "E1 ,  TB001 ,2025-03-03T09:00:00Z,created,customer"),
    )
    write(settings, "tickets", "b2.csv", lines(HEADER, ticket("tb001", "other case")))
    summary = run(settings)
    assert summary.orphan_events == 0
    assert query(settings, "select ticket_id, account_id, subject from raw.tickets order by 1") == [
        ("TB001", "A1", "again"),
        ("tb001", "A1", "other case"),
    ]
    assert query(settings, "select event_id, ticket_id from raw.ticket_events") == [("E1", "TB001")]


# ---------------------------------------------------------------------------------------
# 16. The landing database itself fails


def test_damaged_landing_database_is_one_sentence(settings: Settings) -> None:
    write(settings, "tickets", "b1.csv", lines(HEADER, ticket("T1")))
    run(settings)
    size = settings.landing_path.stat().st_size
    os.truncate(settings.landing_path, size // 2)
    write(settings, "tickets", "b2.csv", lines(HEADER, ticket("T2")))
    with pytest.raises(PulseError) as caught:
        run(settings)
    message = str(caught.value)
    assert message.startswith(f"the landing database {settings.landing_path} is damaged")
    assert message.endswith(
        "move it away and run `pulse load` again, which rebuilds it from the extracts"
    )
    assert "\n" not in message


def test_a_load_that_frees_blocks_leaves_a_whole_landing(settings: Settings) -> None:
    """An upsert that replaces rows frees storage blocks, and DuckDB cuts free blocks
    off the end of the file: the file is then shorter than its header's total block
    count, and whole. The build's damage check read that as "cut short" and refused
    every build after such a load (the SLA extract's third batch does it)."""
    shutil.copytree(SLA_EXTRACT, settings.raw_dir, dirs_exist_ok=True)
    run(settings)
    write(settings, "tickets", "batch2.csv", TICKETS_BATCH_2)
    write(settings, "ticket_events", "batch2.csv", EVENTS_BATCH_2)
    run(settings)
    write(
        settings,
        "ticket_events",
        "batch3.csv",
        lines(
            "event_id,ticket_id,event_at,event_type,actor_id,actor_role,is_public,"
            "from_value,to_value",
            "T14-04,T14,2025-04-06 13:00:00,comment,E3,agent,true,,",
        ),
    )
    run(settings)
    ((block_size, total_blocks),) = query(
        settings, "select block_size, total_blocks from pragma_database_size()"
    )
    # the case itself: shorter than every block the header counts
    assert settings.landing_path.stat().st_size < 3 * 4096 + total_blocks * block_size
    assert database_damage(settings.landing_path) is None
    assert query(settings, "select count(*) from raw.ticket_events where ticket_id = 'T14'") == [
        (4,)
    ]


def _mount_tmpfs(target: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def test_disk_full_names_the_cause(tmp_path: Path) -> None:
    small = tmp_path / "small"
    if not _mount_tmpfs(small, "2m"):
        pytest.skip("needs root and a mountable tmpfs to fill a real small disk")
    try:
        data = small / "data"
        raw = tmp_path / "raw"  # the extracts live on the big disk
        settings = Settings(
            data_dir=data,
            raw_dir=raw,
            landing_path=data / "landing.duckdb",
            warehouse_path=data / "warehouse.duckdb",
            memory_limit="1GB",
            threads=1,
        )
        # Random subjects: DuckDB compresses repeated text far below the disk's size.
        body = lines(HEADER, *(ticket(f"T{i}", os.urandom(40).hex()) for i in range(100_000)))
        (raw / "tickets").mkdir(parents=True)
        (raw / "tickets" / "big.csv").write_text(body)
        with pytest.raises(PulseError) as caught:
            run(settings)
        message = str(caught.value)
        assert message.startswith(f"the disk holding {data} is full"), message
        assert "no transaction is active" not in message
    finally:
        subprocess.run(["umount", "-l", str(small)], check=False)


def test_wrong_encoding_names_the_physical_line(settings: Settings) -> None:
    body = lines(HEADER, "", ticket("T1", '"a\nb"'), ticket("T2", "Привет")).encode("cp1251")
    write(settings, "tickets", "b1.csv", body)
    (batch,) = load(settings, settings.raw_dir, encoding="utf-8", echo=lambda _: None).batches
    assert "is not valid utf-8 text (the row starting on line 5)" in (batch.error or "")
