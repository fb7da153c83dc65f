"""dashboard.data as pure functions over the real small build (no pages, no server).

Every expected value is a count over the mart's own grain rows, read here with plain
SQL next to the function under test: the function must return the mart's row, not a
second computation of it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import EXTRACT_END, PipelineRun, make_settings

from dashboard import data
from warehouse.core.settings import Settings

VP = data.Scope("vp", None, ())
WALL = data.Scope("wall", None, ())
LEAD_T2 = data.Scope("lead", None, ("t2",))
ENGINEER_6 = data.Scope("engineer", "ENG006", ("t2",))

PERIOD = (date(2025, 4, 16), date(2025, 5, 15))


@pytest.fixture(scope="module")
def wh(built_warehouse: PipelineRun) -> Settings:
    return built_warehouse.settings


@pytest.fixture(scope="module")
def marts(wh: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection on the published build, to count grain rows directly."""
    con = duckdb.connect(str(wh.warehouse_path), read_only=True)
    yield con
    con.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple:
    return con.execute(sql, params or []).fetchone()


def test_build_info_reads_the_build_row(wh: Settings, marts) -> None:
    info = data.build_info(wh, VP)
    build_id, as_of = _one(marts, "select build_id, as_of from pulse_build")
    assert info["build_id"] == build_id
    assert info["as_of"] == as_of == EXTRACT_END.replace(tzinfo=None)
    assert info["stale"] is True  # the small build is from 2025
    assert data.current_quarter(wh, VP) == (2025, 2)


def test_missing_warehouse_and_missing_mart(tmp_path: Path) -> None:
    with pytest.raises(data.NoWarehouse):
        data.build_info(make_settings(tmp_path / "absent"), VP)
    empty = make_settings(tmp_path)
    duckdb.connect(str(empty.warehouse_path)).close()
    with pytest.raises(data.MissingMart) as err:
        data.okr_progress(empty, VP, 2025, 2)
    assert err.value.table == "fct_okr_progress"


def test_okr_progress_is_the_marts_rows(wh: Settings, marts) -> None:
    total = {k["kr_id"]: k for k in data.okr_progress(wh, VP, 2025, 2)["krs"]}
    expected = marts.execute(
        "select kr_id, actual, target, status from fct_okr_progress where period = '2025-Q2' "
        "and dim_tier = 'all' and dim_segment = 'all' and dim_region = 'all'"
    ).fetchall()
    assert {k: (v["actual"], v["target"], v["status"]) for k, v in total.items()} == {
        r[0]: (r[1], r[2], r[3]) for r in expected
    }
    assert all(not k["unfiltered"] for k in total.values())
    # The monthly trend runs January to the end of the quarter.
    assert [m["period"] for m in total["csat"]["monthly"]] == [f"2025-0{m}" for m in range(1, 7)]


def test_csat_is_satisfied_over_responses_of_the_quarter(wh: Settings, marts) -> None:
    """The CSAT KR equals a direct count over fct_csat_responses' grain rows."""
    satisfied, responses = _one(
        marts,
        "select count(*) filter (where is_satisfied), count(*) from fct_csat_responses "
        "where responded_month >= date '2025-04-01' and responded_month < date '2025-07-01'",
    )
    kr = data.key_result(wh, VP, "csat", 2025, 2)
    assert kr["actual"] == pytest.approx(100.0 * satisfied / responses)
    assert kr["denominator"] == responses


def test_a_filter_combination_reads_its_own_cube_row(wh: Settings, marts) -> None:
    combo = {
        k["kr_id"]: k
        for k in data.okr_progress(wh, VP, 2025, 2, tier="premium", region="Moscow")["krs"]
    }
    actual, status = _one(
        marts,
        "select actual, status from fct_okr_progress where kr_id = 'first_response_sla' "
        "and period = '2025-Q2' and dim_tier = 'premium' and dim_segment = 'all' "
        "and dim_region = 'Moscow'",
    )
    assert combo["first_response_sla"]["actual"] == actual
    assert combo["first_response_sla"]["status"] == status
    assert not combo["first_response_sla"]["unfiltered"]
    # A KR without a breakdown shows its total, flagged.
    total = data.key_result(wh, VP, "cost_per_ticket", 2025, 2)
    assert combo["cost_per_ticket"]["actual"] == total["actual"]
    assert combo["cost_per_ticket"]["unfiltered"]


def test_sla_matrix_is_the_periods_rows(wh: Settings, marts) -> None:
    """The heatmap of a period (April 2025) is its fct_sla_compliance_periods cells,
    whose counts are the daily grain's over the month (worked here from fct_sla_daily)."""
    m = data.sla_matrix(wh, VP, "2025-04", None)
    met, breached = _one(
        marts,
        "select sum(met_count), sum(breached_count) from fct_sla_daily "
        "where outcome_date between date '2025-04-01' and date '2025-04-30'",
    )
    assert (int(m["met"].sum()), int(m["breached"].sum())) == (met, breached)
    assert set(m["metric"].to_list()) == {"first_response", "resolution"}
    premium = data.sla_matrix(wh, VP, "2025-04", "premium")
    assert set(premium["support_tier"].to_list()) == {"premium"}


def test_sla_periods_and_the_headline_default(wh: Settings) -> None:
    """Months, ISO weeks, quarters and years of the mart; the default is the latest
    complete month (as of 15 May 2025: April), a start/end link its quarter or year."""
    periods = data.sla_periods(wh, VP)
    labels = [p["label"] for p in periods]
    assert labels[:5] == ["2025-05", "2025-04", "2025-03", "2025-02", "2025-01"]
    assert "2025-W20" in labels and "2025-Q2" in labels and "2025" in labels
    assert data.sla_default_period(periods)["label"] == "2025-04"
    assert data.sla_range_period(date(2025, 4, 1), date(2025, 6, 30)) == "2025-Q2"
    assert data.sla_range_period(date(2025, 1, 1), date(2025, 12, 31)) == "2025"
    assert data.sla_kr_period("2025-Q2") == (2025, 2)
    assert data.sla_kr_period("2025") == (2025, None)
    assert data.sla_kr_period("2025-04") is None


# April 2025 in Moscow (UTC+3) as UTC instants
APRIL_MOSCOW = (
    "outcome_at >= timestamp '2025-03-31 21:00' and outcome_at < timestamp '2025-04-30 21:00'"
)


def test_sla_breakdowns_are_the_breakdown_marts_rows(wh: Settings, marts) -> None:
    """Breaches by channel, the histogram and the median of April 2025 are mart rows;
    the breaches by channel add up to the month's overall breaches (worked from the
    outcomes here, first response and resolution)."""
    (breached,) = _one(
        marts,
        "select count(*) from fct_sla_outcomes where outcome = 'breached' "
        "and metric in ('first_response', 'resolution') "
        f"and {APRIL_MOSCOW}",
    )
    by_channel = data.sla_breaches_by(wh, VP, "2025-04", None, "channel")
    assert int(by_channel["breached"].sum()) == breached
    assert by_channel["breached"].to_list() == sorted(
        by_channel["breached"].to_list(), reverse=True
    )
    hist = data.sla_distribution(wh, VP, "2025-04", None, "first_response")
    (n,) = _one(
        marts,
        "select count(*) from fct_sla_outcomes where metric = 'first_response' "
        "and completed_at is not null and target_minutes > 0 "
        f"and {APRIL_MOSCOW}",
    )
    assert int(hist["n"].sum()) == n
    assert set(hist["bucket"].to_list()) <= set(range(0, 301, 10))
    (median,) = _one(
        marts,
        "select median(elapsed_minutes) from fct_sla_outcomes where metric = 'first_response' "
        "and completed_at is not null "
        f"and {APRIL_MOSCOW}",
    )
    stats = data.sla_time_stats(wh, VP, "2025-04", None, "first_response")
    assert stats["median"] == pytest.approx(median)
    assert data.sla_time_stats(wh, VP, "1999-01", None, "first_response")["n"] == 0


def test_sla_drill_returns_the_tickets_behind_a_cell(wh: Settings) -> None:
    rows = data.sla_tickets(wh, VP, *PERIOD, tier="premium", priority="high", metric="resolution")
    assert rows.height > 0
    assert set(rows["support_tier"].to_list()) == {"premium"}
    assert set(rows["priority"].to_list()) == {"high"}
    assert set(rows["metric"].to_list()) == {"resolution"}
    breached = data.sla_tickets(wh, VP, *PERIOD, dimension="channel", key="email", outcome="b")
    assert breached.height == 0  # no outcome is called 'b'
    bucket = data.sla_tickets(wh, VP, *PERIOD, metric="first_response", bucket=100)
    ratio = bucket["elapsed_minutes"] / bucket["target_minutes"]
    assert ((ratio >= 1.0) & (ratio < 1.1)).all()


def test_breaches_by_dimension_uses_an_allow_list(wh: Settings, marts) -> None:
    by_team = data.sla_breaches_by(wh, VP, "2025-04", None, "team")
    teams = {r[0] for r in marts.execute("select team_name from dim_team").fetchall()}
    assert set(by_team["key"].to_list()) <= teams | {"?"}
    with pytest.raises(ValueError):
        data.sla_breaches_by(wh, VP, "2025-04", None, "1; drop table fct_tickets")


def test_hostile_text_is_a_parameter_not_sql(wh: Settings) -> None:
    assert data.ticket_detail(wh, VP, "x' or '1'='1")["found"] is False
    rows = data.sla_tickets(
        wh, VP, *PERIOD, dimension="channel", key="'; drop table fct_tickets; --"
    )
    assert rows.height == 0
    assert data.sla_matrix(wh, VP, "2025-04", None).height > 0  # still there


def test_wall_snapshot_has_no_names_and_the_quarters_targets(wh: Settings, marts) -> None:
    snap = data.wall_snapshot(wh, WALL)
    text = json.dumps(snap, default=str, ensure_ascii=False)
    for (name,) in marts.execute("select full_name from dim_engineer").fetchall():
        assert name not in text
    for (name,) in marts.execute("select account_name from dim_account").fetchall():
        assert name not in text
    assert snap["queue"], "the build has open clocks near breach"
    clock_keys = {"ticket_id", "support_tier", "priority", "metric", "due_at"}
    assert set(snap["queue"][0]) == clock_keys | {"paused", "over_minutes"}
    assert snap["today"] == "2025-05-15"
    # Today's tiles are the SLA period mart's day rows: its target and its status.
    met, breached, target, status = _one(
        marts,
        "select met_count, breached_count, target_pct, status from fct_sla_compliance_periods "
        "where period_kind = 'day' and period_label = '2025-05-15' and support_tier = 'all' "
        "and priority = 'all' and metric = 'first_response'",
    )
    (daily_met,) = _one(
        marts,
        "select sum(met_count) from fct_sla_daily where outcome_date = date '2025-05-15' "
        "and metric = 'first_response'",
    )
    assert met == daily_met
    assert (snap["first_response"]["met"], snap["first_response"]["breached"]) == (met, breached)
    assert snap["first_response"]["target"] == pytest.approx(target / 100.0)
    assert snap["first_response"]["status"] == status


def test_ticket_detail_names_only_when_allowed(wh: Settings, marts) -> None:
    (ticket_id,) = _one(
        marts,
        "select ticket_id from fct_tickets where solver_id is not null "
        "and account_id is not null order by ticket_id limit 1",
    )
    ticket = data.ticket_detail(wh, VP, ticket_id)
    assert ticket["found"]
    assert {"first_response", "resolution"} <= set(ticket["clocks"]["metric"].to_list())
    assert ticket["ticket"]["account_name"] and ticket["ticket"]["solver_name"]
    wall = data.ticket_detail(wh, WALL, ticket_id)["ticket"]
    assert "account_name" not in wall
    assert wall["solver_name"] is None and wall["first_responder_name"] is None
    assert "solver_id" not in wall


def test_revenue_reads_the_kr_month_rows(wh: Settings, marts) -> None:
    rev = data.revenue_ytd(wh, VP, 2025)
    (credited,) = _one(
        marts,
        "select sum(attributed_revenue_usd) from fct_opportunities where is_won "
        "and has_support_credit and close_year = 2025 and close_month < date '2025-05-01'",
    )
    april = rev.filter(pl.col("month") == "2025-04").row(0, named=True)
    assert april["ytd"] == pytest.approx(credited)
    assert "account_name" not in data.credited_opportunities(wh, WALL, 2025).columns
    cost = data.cost_monthly(wh, VP, 2025)
    assert cost["month"].to_list() == [f"2025-0{m}" for m in range(1, 6)]
    (tickets,) = _one(
        marts,
        "select count(*) from fct_tickets where created_at >= timestamp '2025-02-28 21:00' "
        "and created_at < timestamp '2025-03-31 21:00'",
    )
    assert cost.filter(pl.col("month") == "2025-03")["tickets"].item() == tickets


def test_customers_read_the_nps_waves_and_support_impact(wh: Settings, marts) -> None:
    nps = data.nps_by_wave(wh, VP, "segment")
    promoters, detractors, responses = _one(
        marts,
        "select count(*) filter (where is_promoter), count(*) filter (where is_detractor), "
        "count(*) from fct_nps_responses where wave = '2025-Q1' and segment = 'enterprise'",
    )
    row = nps.filter((pl.col("wave") == "2025-Q1") & (pl.col("grp") == "enterprise")).row(
        0, named=True
    )
    assert (row["promoters"], row["detractors"], row["n"]) == (promoters, detractors, responses)
    assert row["nps"] == pytest.approx(100.0 * (promoters - detractors) / responses)
    assert nps.filter(nps["n"] < 30)["low_n"].all()
    with pytest.raises(ValueError):
        data.nps_by_wave(wh, VP, "account_name")
    impact = data.support_impact(wh, VP)
    (accounts,) = _one(
        marts,
        "select count(distinct t.account_id) from fct_sla_outcomes o join fct_tickets t "
        "using (ticket_id) where o.outcome in ('met', 'breached')",
    )
    # Every account with SLA outcomes is in exactly one tier x ticket-band stratum, on
    # one side; the pooled row counts them all again.
    strata = impact.filter(pl.col("tier") != "all")
    pooled = impact.filter(pl.col("tier") == "all").row(0, named=True)
    assert (strata["breached_accounts"] + strata["clean_accounts"]).sum() == accounts
    assert pooled["breached_accounts"] + pooled["clean_accounts"] == accounts
    assert set(strata["band"]) <= {"1-4", "5-19", "20-49", "50+"}
    # A one-sided stratum is in no like-for-like comparison.
    one_sided = strata.filter((pl.col("breached_accounts") == 0) | (pl.col("clean_accounts") == 0))
    assert one_sided["diff"].is_null().all() and (one_sided["compared"] == 0).all()
    assert pooled["compared"] == strata["compared"].sum()
    csat = data.csat_monthly(wh, VP, 2025, "premium")
    (n,) = _one(
        marts,
        "select count(*) from fct_csat_responses where support_tier = 'premium' "
        "and responded_month = date '2025-03-01'",
    )
    assert csat.filter(pl.col("month") == "2025-03")["n"].item() == n


def test_quality_page_data(wh: Settings, marts) -> None:
    q = data.quality(wh, VP)
    (batches,) = _one(marts, "select count(*) from fct_dq_load_manifest")
    assert q["batches"].height == batches == 28
    assert q["batches"]["is_reconciled"].all()
    # fct_dq_load_totals: the small extract's load (28 files, 173 173 rows, all landed;
    # 184 029 before the generator's one-touch solves, which write fewer follow-up events)
    assert q["totals"] == {
        "batch_count": 28,
        "rows_read": 173_173,
        "rows_landed": 173_173,
        "rows_rejected": 0,
        "failed_batch_count": 0,
        "unreconciled_batch_count": 0,
        "orphan_event_count": 0,
    }
    assert q["orphan_count"] == 0 and q["reasons"].height == 0
    (tests,) = _one(marts, "select count(*) from pulse_build_tests")
    assert q["tests"].height == tests > 0


def _tiny_build(path: Path, build_id: str) -> None:
    con = duckdb.connect(str(path))
    con.execute(
        "create table pulse_build as select ? as build_id, timestamp '2025-05-15 12:00' "
        "as as_of, timestamp '2025-05-15 12:05' as built_at",
        [build_id],
    )
    con.close()


def test_reader_follows_an_atomic_rename(tmp_path: Path) -> None:
    """A new build renamed over the file is seen by the next request; DuckDB's
    per-path instance cache must not keep serving the old one."""
    published = tmp_path / "warehouse.duckdb"
    _tiny_build(published, "b1")
    reader = data.Reader()
    first = reader.session(published)
    assert first.build_id == "b1"
    _tiny_build(tmp_path / "next.duckdb", "b2")
    (tmp_path / "next.duckdb").replace(published)
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


def test_engineer_table_is_the_period_rows(wh: Settings, marts) -> None:
    vp = data.engineer_table(wh, VP)
    rows = marts.execute(
        "select engineer_id, value, target, status from fct_engineer_periods "
        "where period_label = 'last_4_weeks' and metric = 'fcr'"
    ).fetchall()
    assert vp.height == len(rows) and not vp["is_aggregate"].any()
    got = {r["engineer_id"]: r for r in vp.iter_rows(named=True)}
    for engineer_id, value, target, status in rows:
        row = got[engineer_id]
        assert row["fcr"] == (None if value is None else pytest.approx(value / 100))
        assert row["fcr_target"] == (None if target is None else pytest.approx(target / 100))
        assert row["fcr_status"] == status


def test_engineer_table_folds_other_teams_for_a_lead(wh: Settings, marts) -> None:
    lead = data.engineer_table(wh, LEAD_T2)
    t2 = {
        r[0]
        for r in marts.execute(
            "select engineer_id from dim_engineer where team_id = 't2'"
        ).fetchall()
    }
    named = lead.filter(~lead["is_aggregate"])
    assert set(named["engineer_id"].to_list()) == t2
    folded = lead.filter(lead["is_aggregate"])
    teams = {
        r[0] for r in marts.execute("select team_id from dim_team where team_id <> 't2'").fetchall()
    }
    assert set(folded["team_id"].to_list()) == teams
    assert folded["full_name"].null_count() == folded.height
    assert folded["engineer_id"].null_count() == folded.height
    team_status = dict(
        marts.execute(
            "select team_id, status from fct_team_periods "
            "where period_label = 'last_4_weeks' and metric = 'fcr'"
        ).fetchall()
    )
    for row in folded.iter_rows(named=True):  # a team row carries the mart's status
        assert row["fcr_status"] == team_status[row["team_id"]]
    # A team's share is its engineers' outcomes summed, not a mean of percentages.
    fcr, solved = _one(
        marts,
        "select sum(numerator), sum(denominator) from fct_engineer_periods "
        "where team_id = 't1-msk' and period_label = 'last_4_weeks' and metric = 'fcr'",
    )
    msk = folded.filter(pl.col("team_id") == "t1-msk").row(0, named=True)
    assert msk["fcr"] == pytest.approx(fcr / solved)
    text = lead.write_csv()
    others = marts.execute("select full_name from dim_engineer where team_id <> 't2'").fetchall()
    for (name,) in others:
        assert name not in text


def test_engineer_sees_only_themself(wh: Settings) -> None:
    table = data.engineer_table(wh, ENGINEER_6)
    assert table.filter(~table["is_aggregate"])["engineer_id"].to_list() == ["ENG006"]
    assert data.engineer_profile(wh, ENGINEER_6, "ENG006")["engineer"]["engineer_id"] == "ENG006"
    with pytest.raises(data.Forbidden):
        data.engineer_profile(wh, ENGINEER_6, "ENG007")
    with pytest.raises(data.Forbidden):
        data.engineer_profile(wh, LEAD_T2, "ENG001")


def test_sla_overall_is_met_over_outcomes_of_the_quarter(wh: Settings, marts) -> None:
    """FY2025 has no overall SLA KR: /sla's overall tile is the period mart's row, which
    equals a direct count of the quarter's daily grain rows."""
    assert data.key_result(wh, VP, "sla_compliance", 2025, 2) is None
    met, breached = _one(
        marts,
        "select sum(met_count), sum(breached_count) from fct_sla_daily "
        "where outcome_date >= date '2025-04-01' and outcome_date < date '2025-07-01' "
        "and support_tier = 'premium'",
    )
    row = data.sla_period_row(wh, VP, "2025-Q2", "premium")
    assert row["actual"] == pytest.approx(100.0 * met / (met + breached))
    assert row["period"] == "2025-Q2" and row["is_current_period"]


def test_sla_trend_is_the_day_rows(wh: Settings, marts) -> None:
    trend = data.sla_daily(wh, VP, *PERIOD, None, "resolution")
    assert set(trend["support_tier"].to_list()) == {"premium", "professional", "standard"}
    met, breached = _one(
        marts,
        "select sum(met_count), sum(breached_count) from fct_sla_daily "
        "where outcome_date = date '2025-05-14' and support_tier = 'standard' "
        "and metric = 'resolution'",
    )
    day = trend.filter(
        (pl.col("day") == date(2025, 5, 14)) & (pl.col("support_tier") == "standard")
    ).row(0, named=True)
    assert (day["met"], day["breached"]) == (met, breached)
    assert day["compliance"] == pytest.approx(met / (met + breached))
