"""dashboard.data as pure functions over the hand-made mart fixture (no pages, no server)."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import dashboard_fixture as fixture  # tests/ is on sys.path for test modules
import duckdb
import polars as pl
import pytest

from dashboard import data
from warehouse.core.settings import Settings

VP = data.Scope("vp", None, ())
WALL = data.Scope("wall", None, ())
LEAD_T2 = data.Scope("lead", None, ("T2",))
ENGINEER_E02 = data.Scope("engineer", "E02", ("T1",))


def _settings(path: Path) -> Settings:
    return Settings(
        data_dir=path.parent,
        raw_dir=path.parent / "raw",
        landing_path=path.parent / "landing.duckdb",
        warehouse_path=path,
    )


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    path = fixture.create_fixture_warehouse(tmp_path_factory.mktemp("marts") / "warehouse.duckdb")
    return _settings(path)


PERIOD = (date(2025, 4, 16), date(2025, 5, 15))


def test_build_info_reads_the_build_row(wh: Settings) -> None:
    info = data.build_info(wh, VP)
    assert info["build_id"] == fixture.BUILD_ID
    assert info["as_of"] == fixture.AS_OF
    assert info["stale"] is True  # the fixture is from 2025


def test_missing_warehouse_and_missing_mart(tmp_path: Path, wh: Settings) -> None:
    with pytest.raises(data.NoWarehouse):
        data.build_info(_settings(tmp_path / "absent.duckdb"), VP)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(data.MissingMart) as err:
        data.okr_progress(_settings(empty), VP, 2025, 2)
    assert err.value.table == "fct_okr_progress"


def test_okr_progress_totals_and_breakdowns(wh: Settings) -> None:
    total = {k["kr_id"]: k for k in data.okr_progress(wh, VP, 2025, 2)["krs"]}
    assert {"csat", "first_response_sla", "cost_per_ticket"} <= set(total)
    assert all(not k["unfiltered"] for k in total.values())
    # The monthly trend runs January to the end of the quarter (data up to May).
    assert [m["period"] for m in total["csat"]["monthly"]] == [f"2025-0{m}" for m in range(1, 6)]
    premium = {k["kr_id"]: k for k in data.okr_progress(wh, VP, 2025, 2, tier="premium")["krs"]}
    # Breakdown rows exist for csat: the value differs and is not flagged.
    assert premium["csat"]["actual"] != total["csat"]["actual"]
    assert not premium["csat"]["unfiltered"]
    # No breakdown for cost per ticket: the total is shown and flagged as unfiltered.
    assert premium["cost_per_ticket"]["actual"] == total["cost_per_ticket"]["actual"]
    assert premium["cost_per_ticket"]["unfiltered"]


def test_okr_filter_combination_is_recomputed_from_facts(wh: Settings) -> None:
    combo = {
        k["kr_id"]: k
        for k in data.okr_progress(wh, VP, 2025, 2, tier="premium", region="Moscow")["krs"]
    }
    direct = data.okr_filtered(wh, VP, 2025, 2, "premium", "Moscow", None)
    assert combo["first_response_sla"]["actual"] == pytest.approx(
        direct["first_response_sla"]["actual"]
    )
    assert combo["first_response_sla"]["projection"] is None
    assert combo["first_response_sla"]["status"] == data.okr_status(
        direct["first_response_sla"]["actual"], combo["first_response_sla"]["target"], "higher"
    )


@pytest.mark.parametrize(
    ("actual", "target", "direction", "status"),
    [
        (97, 97, "higher", "on_track"),
        (93, 97, "higher", "at_risk"),
        (90, 97, "higher", "off_track"),
        (48, 50, "lower", "on_track"),
        (52, 50, "lower", "at_risk"),
        (60, 50, "lower", "off_track"),
        (None, 50, "lower", "no_data"),
    ],
)
def test_okr_status_bands(actual, target, direction, status) -> None:
    assert data.okr_status(actual, target, direction) == status


def test_sla_matrix_is_met_over_met_plus_breached(wh: Settings) -> None:
    m = data.sla_matrix(wh, VP, *PERIOD, None)
    assert m.height > 0
    for r in m.iter_rows(named=True):
        assert r["compliance"] == pytest.approx(r["met"] / (r["met"] + r["breached"]))
    premium = data.sla_matrix(wh, VP, *PERIOD, "premium")
    assert set(premium["support_tier"].to_list()) == {"premium"}


def test_sla_drill_returns_the_tickets_behind_a_cell(wh: Settings) -> None:
    rows = data.sla_tickets(wh, VP, *PERIOD, tier="premium", priority="high", metric="resolution")
    assert rows.height > 0
    assert set(rows["support_tier"].to_list()) == {"premium"}
    assert set(rows["priority"].to_list()) == {"high"}
    assert set(rows["metric"].to_list()) == {"resolution"}
    breached = data.sla_tickets(
        wh, VP, *PERIOD, dimension="team", key="Специалисты", outcome="breached"
    )
    assert set(breached["outcome"].to_list()) == {"breached"}
    bucket = data.sla_tickets(wh, VP, *PERIOD, metric="first_response", bucket=100)
    ratio = bucket["elapsed_minutes"] / bucket["target_minutes"]
    assert ((ratio >= 1.0) & (ratio < 1.1)).all()


def test_breaches_by_dimension_uses_an_allow_list(wh: Settings) -> None:
    by_team = data.sla_breaches_by(wh, VP, *PERIOD, None, "team")
    assert set(by_team["key"].to_list()) <= {name for _tid, name in fixture.TEAMS}
    with pytest.raises(ValueError):
        data.sla_breaches_by(wh, VP, *PERIOD, None, "1; drop table fct_tickets")


def test_hostile_text_is_a_parameter_not_sql(wh: Settings) -> None:
    assert data.ticket_detail(wh, VP, "x' or '1'='1")["found"] is False
    rows = data.sla_tickets(
        wh, VP, *PERIOD, dimension="channel", key="'; drop table fct_tickets; --"
    )
    assert rows.height == 0
    assert data.sla_matrix(wh, VP, *PERIOD, None).height > 0  # still there


def test_wall_snapshot_has_no_names(wh: Settings) -> None:
    snap = data.wall_snapshot(wh, WALL)
    text = json.dumps(snap, default=str, ensure_ascii=False)
    for _eid, name, _team, _tier in fixture.ENGINEERS:
        assert name not in text
    assert "Account " not in text
    assert snap["queue"], "the fixture has open tickets near breach"
    clock_keys = {"ticket_id", "support_tier", "priority", "metric", "due_at"}
    assert set(snap["queue"][0]) == clock_keys | {"paused", "over_minutes"}
    assert snap["today"] == "2025-05-15"
    assert snap["first_response"]["compliance"] is not None


def test_engineer_table_folds_other_teams_for_a_lead(wh: Settings) -> None:
    vp = data.engineer_table(wh, VP)
    assert vp.height == len(fixture.ENGINEERS) and not vp["is_aggregate"].any()
    lead = data.engineer_table(wh, LEAD_T2)
    named = lead.filter(~lead["is_aggregate"])
    assert set(named["engineer_id"].to_list()) == {"E04", "E05"}
    folded = lead.filter(lead["is_aggregate"])
    assert folded["full_name"].null_count() == folded.height
    assert folded["engineer_id"].null_count() == folded.height
    text = lead.write_csv()
    for eid, name, _team, _tier in fixture.ENGINEERS:
        if eid not in ("E04", "E05"):
            assert name not in text


def test_engineer_sees_only_themself(wh: Settings) -> None:
    table = data.engineer_table(wh, ENGINEER_E02)
    assert table.filter(~table["is_aggregate"])["engineer_id"].to_list() == ["E02"]
    assert data.engineer_profile(wh, ENGINEER_E02, "E02")["engineer"]["engineer_id"] == "E02"
    with pytest.raises(data.Forbidden):
        data.engineer_profile(wh, ENGINEER_E02, "E01")
    with pytest.raises(data.Forbidden):
        data.engineer_profile(wh, LEAD_T2, "E01")


def test_engineer_table_shares_and_targets(wh: Settings) -> None:
    row = data.engineer_table(wh, VP).filter(pl.col("engineer_id") == "E04").row(0, named=True)
    assert 0 <= row["response_compliance"] <= 1
    assert row["response_compliance_target"] == pytest.approx(0.96)
    assert row["escalation_rate_target"] == pytest.approx(0.15)
    assert row["tickets_handled_target"] == 15 and row["tickets_handled_target_max"] == 20


def test_ticket_detail_names_only_when_allowed(wh: Settings) -> None:
    ticket = data.ticket_detail(wh, VP, "T002959")
    assert ticket["found"] and ticket["clocks"].height == 2
    assert ticket["ticket"]["account_name"]
    wall = data.ticket_detail(wh, WALL, "T002959")["ticket"]
    assert "account_name" not in wall
    assert wall["solver_name"] is None and wall["first_responder_name"] is None
    assert "solver_id" not in wall


def test_revenue_and_customers(wh: Settings) -> None:
    rev = data.revenue_ytd(wh, VP, 2025)
    assert rev["total"] == pytest.approx(float(rev["monthly"]["credited"].sum()))
    assert rev["target"] == 500000
    assert "account_name" not in data.credited_opportunities(wh, WALL, 2025).columns
    comp = data.deals_by_competitor(wh, VP, 2025)
    for r in comp.iter_rows(named=True):
        assert r["win_rate"] == pytest.approx(r["won"] / (r["won"] + r["lost"]))
    nps = data.nps_by_wave(wh, VP, "segment")
    assert nps.filter(nps["n"] < 30)["low_n"].all()
    with pytest.raises(ValueError):
        data.nps_by_wave(wh, VP, "account_name")
    cost = data.cost_monthly(wh, VP, 2025)
    assert cost.height == 5 and cost["cost_per_ticket_usd"].is_not_null().all()
    impact = data.support_impact(wh, VP)
    assert impact["accounts"].sum() > 0


def test_quality_page_data(wh: Settings) -> None:
    q = data.quality(wh, VP)
    batches = q["batches"]
    assert (batches["rows_read"] == batches["rows_landed"] + batches["rows_rejected"]).all()
    assert q["reasons"]["n"].sum() == 3
    assert q["orphan_count"] == 1
    assert set(q["tests"]["status"].to_list()) == {"pass", "warn"}


def test_reader_follows_an_atomic_rename(tmp_path: Path) -> None:
    """A new build renamed over the file is seen by the next request; DuckDB's
    per-path instance cache must not keep serving the old one."""
    published = tmp_path / "warehouse.duckdb"
    fixture.create_fixture_warehouse(published, build_id="b1")
    reader = data.Reader()
    first = reader.session(published)
    assert first.build_id == "b1"
    fixture.create_fixture_warehouse(tmp_path / "next.duckdb", build_id="b2")
    os.replace(tmp_path / "next.duckdb", published)
    second = reader.session(published)
    assert second.build_id == "b2"
    # The request still reading the old build keeps reading it, whole.
    assert first.con.execute("select build_id from pulse_build").fetchall() == [("b1",)]
    assert second.con.execute("select build_id from pulse_build").fetchall() == [("b2",)]
    first.close()
    second.close()
    third = reader.session(published)  # the old instance is gone, the new one stays
    assert third.build_id == "b2"
    third.close()
    reader.close()
