"""`pulse import csv --mapping FILE`: the README's worked example (a Freshdesk ticket and
company export plus an activity log, docs/examples/freshdesk-mapping.toml) through the
importer and `pulse load`, and the mapping mistakes a user makes."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import make_settings
from warehouse.core.errors import PulseError
from warehouse.pipeline.load import load
from warehouse.sources.csv_mapped import import_csv
from warehouse.sources.mapping import CsvMapping

EXPORT = Path(__file__).parent / "data" / "freshdesk"
MAPPING = Path(__file__).parents[1] / "docs" / "examples" / "freshdesk-mapping.toml"


def rows(raw: Path, entity: str) -> list[dict[str, str]]:
    (path,) = (raw / entity).glob("*.csv")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_worked_example_maps_columns_and_values_onto_the_contract(tmp_path: Path) -> None:
    report = import_csv(EXPORT, tmp_path, CsvMapping.from_toml(MAPPING))
    assert report.rows == {"tickets": 4, "ticket_events": 8, "accounts": 3}
    assert report.lines()[-1] == "  tickets.priority value 'Highest': passed as is (1)"
    tickets = {t["ticket_id"]: t for t in rows(tmp_path, "tickets")}
    pick = ("status", "priority", "channel", "group_name", "product_area", "account_id")
    assert [tickets["1"][k] for k in pick] == [
        "closed", "critical", "email", "tier1", "compute", "Северный банк"
    ]  # fmt: skip
    assert [tickets["2"][k] for k in pick][:5] == ["solved", "medium", "web", "tier1", "storage"]
    assert tickets["3"]["group_name"] == "tier2"
    events = rows(tmp_path, "ticket_events")
    got = [
        (e["ticket_id"], e["event_at"], e["event_type"], e["actor_role"], e["is_public"],
         e["from_value"], e["to_value"])
        for e in events
    ]  # fmt: skip
    assert got[:5] == [
        ("1", "2025-03-24 10:00:00", "created", "customer", "", "", ""),
        ("1", "2025-03-24 10:10:00", "comment", "agent", "true", "", ""),
        ("1", "2025-03-24 10:10:00", "status_changed", "agent", "", "open", "pending"),
        ("1", "2025-03-24 11:00:00", "comment", "agent", "false", "", ""),  # private note
        ("1", "2025-03-24 12:00:00", "status_changed", "agent", "", "pending", "closed"),
    ]
    assert len({e["event_id"] for e in events}) == 8
    # the same export imported again gives the same event ids
    again = tmp_path / "again"
    import_csv(EXPORT, again, CsvMapping.from_toml(MAPPING))
    assert [e["event_id"] for e in rows(again, "ticket_events")] == [e["event_id"] for e in events]


def test_pulse_load_lands_the_import_and_rejects_the_unmapped_value(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    import_csv(EXPORT, settings.raw_dir, CsvMapping.from_toml(MAPPING))
    summary = load(settings, settings.raw_dir, echo=lambda _: None)
    assert (summary.rows_read, summary.rows_landed, summary.rows_rejected) == (15, 14, 1)
    con = duckdb.connect(str(settings.landing_path), read_only=True)
    reason = con.execute("select reason from raw.load_rejects").fetchall()
    names = con.execute("select account_name from raw.accounts order by 1").fetchall()
    con.close()
    assert reason == [("priority: unknown value (expected critical, high, medium, low)",)]
    assert names == [("Retail Group",), ("Startup One",), ("Северный банк",)]


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_mistakes_are_one_sentence_and_write_nothing(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    base = MAPPING.read_text(encoding="utf-8")
    typo = _mapping(tmp_path, base.replace('subject = "Subject"', 'subject = "Subjekt"'))
    with pytest.raises(PulseError) as err:
        import_csv(EXPORT, raw, CsvMapping.from_toml(typo))
    assert "names column 'Subjekt' for tickets.subject, but tickets.csv has no such" in str(
        err.value
    )
    assert not raw.exists() or not any(raw.rglob("*.csv"))

    missing = _mapping(tmp_path, base.replace('priority = "Priority"\n', ""))
    with pytest.raises(PulseError, match=r"no default onto the required column\(s\) priority"):
        CsvMapping.from_toml(missing)
    wrong = _mapping(tmp_path, base.replace("subject = ", "topic = "))
    with pytest.raises(PulseError, match="names 'topic', which is not a column of tickets"):
        CsvMapping.from_toml(wrong)
    with pytest.raises(PulseError, match="is not valid TOML"):
        CsvMapping.from_toml(_mapping(tmp_path, "[tickets\n"))


def test_a_timestamp_not_in_the_given_format_names_file_line_and_format(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    log = export / "activities.csv"
    log.write_text(log.read_text(encoding="utf-8").replace("24.03.2025 11:05", "2025-03-24"))
    with pytest.raises(PulseError) as err:
        import_csv(export, tmp_path / "raw", CsvMapping.from_toml(MAPPING))
    assert str(err.value).startswith("activities.csv line 8: '2025-03-24' in 'Performed at'")
    assert "'%d.%m.%Y %H:%M'" in str(err.value)
