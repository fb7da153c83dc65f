# ruff: noqa: E501  (one mart row a line reads best)
"""The data quality page's vendor-vs-Pulse SLA section: its query over a hand-made
fct_dq_vendor_sla_comparison (in a copy of the small real build), the rendered page, and
ticket ids that must not become markup. The mart's own values are proven on real
fixtures in test_zendesk_import."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dash
import duckdb
import plotly.io
import pytest

from dashboard import data
from warehouse.core.settings import Settings

VP = data.Scope("vp", None, ())

# ticket, metric, vendor policy, target, business hours, outcome, tier, clock, target,
# outcome, agreed, reason
ROWS = [
    ("101", "first_response", "Premium", 60, False, "met", "premium", "calendar", 60, "met", True, None),
    ("105", "first_response", "Premium", 480, False, "breached", "premium", "calendar", 480, "met", False, "priority_retarget"),
    ("110", "first_response", "Standard", 240, False, "met", "premium", "calendar", 60, "breached", False, "tier_at_creation"),
    ("110", "resolution", "Standard", 540, True, "met", "premium", "calendar", 240, "met", False, "tier_at_creation"),
    ("](javascript:alert(1))", "resolution", None, None, None, None, "premium", "calendar", 240, "met", False, "event_missing_vendor"),
]  # fmt: skip
# fct_dq_vendor_sla_summary of ROWS as dbt builds it: 1 of 5 agree = 20 % against the
# 95 % target (off track, below 90.25 %), disagreeing pairs per reason
SUMMARY = [
    ("total", True, 5, 1, 20.0, 95.0, "off_track"),
    ("tier_at_creation", False, 2, 0, None, None, None),
    ("event_missing_vendor", False, 1, 0, None, None, None),
    ("priority_retarget", False, 1, 0, None, None, None),
]  # fmt: skip


def _warehouse(source: Path, path: Path, rows: list[tuple]) -> Settings:
    shutil.copy(source, path)
    con = duckdb.connect(str(path))
    con.execute(
        """
        create or replace table fct_dq_vendor_sla_comparison (
            ticket_id varchar, metric varchar, vendor_policy varchar,
            vendor_target_minutes integer, vendor_business_hours boolean,
            vendor_outcome varchar, pulse_support_tier varchar, pulse_clock varchar,
            pulse_target_minutes integer, pulse_outcome varchar, is_agreed boolean,
            reason varchar
        )
        """
    )
    if rows:
        con.executemany(
            "insert into fct_dq_vendor_sla_comparison values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    con.execute(
        """
        create or replace table fct_dq_vendor_sla_summary (
            summary_key varchar, is_total boolean, pair_count bigint, agreed_count bigint,
            agreement_pct double, target_pct double, status varchar
        )
        """
    )
    con.executemany(
        "insert into fct_dq_vendor_sla_summary values (?, ?, ?, ?, ?, ?, ?)",
        SUMMARY if rows else [("total", True, 0, 0, None, 95.0, "no_data")],
    )
    con.close()
    return Settings(
        data_dir=path.parent,
        raw_dir=path.parent / "raw",
        landing_path=path.parent / "landing.duckdb",
        warehouse_path=path,
    )


@pytest.fixture(scope="module")
def wh(built_warehouse, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    source = built_warehouse.settings.warehouse_path
    return _warehouse(source, tmp_path_factory.mktemp("vsla") / "warehouse.duckdb", ROWS)


def test_agreement_rate_reasons_and_disagreeing_rows(wh: Settings) -> None:
    v = data.vendor_sla_comparison(wh, VP)
    assert v is not None
    assert (v["n"], v["agreed"], v["rate"]) == (5, 1, 0.2)
    assert (v["target"], v["status"]) == (0.95, "off_track")
    assert v["reasons"].rows() == [
        ("tier_at_creation", 2),
        ("event_missing_vendor", 1),
        ("priority_retarget", 1),
    ]
    assert v["rows"]["ticket_id"].to_list() == ["](javascript:alert(1))", "105", "110", "110"]


def test_a_build_without_the_mart_has_no_section(built_warehouse, tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse.settings.warehouse_path, path)
    con = duckdb.connect(str(path))
    con.execute("drop table if exists main.fct_dq_vendor_sla_comparison")
    con.close()
    settings = Settings(
        data_dir=tmp_path, raw_dir=tmp_path / "raw", landing_path=tmp_path / "l.duckdb",
        warehouse_path=path,
    )  # fmt: skip
    assert data.vendor_sla_comparison(settings, VP) is None


def _render(settings: Settings, lang: str) -> str:
    from dashboard.app import create_app

    app = create_app(settings)
    # the page as create_app registered it (importing dashboard.pages.quality again
    # would register its path a second time and break every later page request)
    layout = dash.page_registry["pages.quality"]["layout"]
    with app.server.test_request_context("/quality"):
        return plotly.io.json.to_json_plotly(layout(lang=lang))


def test_the_quality_page_shows_the_rate_and_links_each_ticket(wh: Settings) -> None:
    page = json.loads(_render(wh, "en"))
    text = json.dumps(page, ensure_ascii=False)
    assert "SLA verdicts agreeing" in text
    assert "20.0%" in text or "20.0 %" in text
    assert "1 of 5 ticket × metric pairs agree on outcome, target and clock" in text
    grid = _find(page, "dq-vendor-sla-grid")
    # every id is data, shown as text; the browser builds each link from the encoded id
    assert [r["ticket_id"] for r in grid["rowData"]] == [
        "](javascript:alert(1))",
        "105",
        "110",
        "110",
    ]
    (ticket_column,) = [col for col in grid["columnDefs"] if col["field"] == "ticket_id"]
    assert ticket_column["cellRenderer"] == "PulseLink"
    assert ticket_column["cellRendererParams"] == {"prefix": "/ticket/", "idField": "ticket_id"}
    first = grid["rowData"][1]
    assert first["reason"] == "Priority change / re-target"
    assert (first["vendor_outcome"], first["pulse_outcome"]) == ("Breached", "Met")
    reasons = {r["reason"]: r["n"] for r in _find(page, "dq-vendor-sla-reasons")["rowData"]}
    assert reasons["Different support tier at creation"] == 2
    ru = json.dumps(json.loads(_render(wh, "ru")), ensure_ascii=False)
    assert "Совпадение вердиктов SLA" in ru


def test_an_empty_mart_says_how_to_get_vendor_verdicts(built_warehouse, tmp_path: Path) -> None:
    source = built_warehouse.settings.warehouse_path
    settings = _warehouse(source, tmp_path / "warehouse.duckdb", [])
    text = _render(settings, "en")
    assert "No helpdesk verdicts: import Zendesk (pulse import zendesk)" in text


def _find(node: object, component_id: str) -> dict:
    """The props of the component with this id in a serialised layout."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props
        for value in node.values():
            found = _find(value, component_id)
            if found:
                return found
    elif isinstance(node, list):
        for item in node:
            found = _find(item, component_id)
            if found:
                return found
    return {}
