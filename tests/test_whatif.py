# ruff: noqa: E501  (hand-written SQL rows read best unwrapped)
"""What-if: live vs draft SLA compliance from the marts, checked by hand, and the page.

The warehouse is a copy of the small real build with fct_sla_outcomes replaced by a
few premium high outcomes in Q1 2025 (the quarter before the build's as-of, 15 May)
and fct_sla_whatif_outcomes as dbt writes it for the draft "resolution 6 h instead of
4 h". Worked out by hand, premium / high / resolution, Q1 2025 (Moscow dates):
- live: K met, W breached (due 12:00 at 4 h), X breached  -> 1 met / 2 breached = 33.3 %;
- draft: W met at its completion (13:00, within 6 h), X still breached, K still met
  -> 2 met / 1 breached = 66.7 %; one outcome changes (W);
- O breached on 31 March 21:30 UTC = 1 April 00:30 Moscow: outside Q1 under both;
- premium / high / first response is not in the draft: 1 met under both.
dbt computes these counts, rates and statuses in fct_sla_whatif_compliance_periods (its
unit test sla_whatif_compliance_periods_live_and_draft works the same tickets by hand);
here that mart holds the rows it builds from them, and the page only reads them.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import data
from warehouse.core.settings import Settings

VP = data.Scope("vp", None, ())
ENGINEER = data.Scope("engineer", "E02", ("T1",))
WALL = data.Scope("wall", None, ())
SCENARIO = "premium_high_resolution_6h"
Q1 = (date(2025, 1, 1), date(2025, 3, 31))


def _warehouse(source: Path, path: Path) -> Path:
    shutil.copy(source, path)
    con = duckdb.connect(str(path))
    con.execute(
        """
        create or replace table main.fct_sla_outcomes as
        select * from (values
            ('K', 'resolution', 0, 'premium', 'high', 'met', timestamp '2025-02-11 09:40:00'),
            ('W', 'resolution', 0, 'premium', 'high', 'breached', timestamp '2025-02-10 12:00:00'),
            ('X', 'resolution', 0, 'premium', 'high', 'breached', timestamp '2025-02-12 12:00:00'),
            ('O', 'resolution', 0, 'premium', 'high', 'breached', timestamp '2025-03-31 21:30:00'),
            ('K', 'first_response', 0, 'premium', 'high', 'met', timestamp '2025-02-11 08:10:00')
        ) as v(ticket_id, metric, instance, support_tier, priority, outcome, outcome_at);

        create or replace table main.fct_sla_whatif_outcomes as
        select * from (values
            ('premium_high_resolution_6h', 'K', 'resolution', 0, 'premium', 'high', 240, 360,
             'met', timestamp '2025-02-11 09:40:00', 'met', timestamp '2025-02-11 09:40:00', false),
            ('premium_high_resolution_6h', 'W', 'resolution', 0, 'premium', 'high', 240, 360,
             'breached', timestamp '2025-02-10 12:00:00', 'met', timestamp '2025-02-10 13:00:00', true),
            ('premium_high_resolution_6h', 'X', 'resolution', 0, 'premium', 'high', 240, 360,
             'breached', timestamp '2025-02-12 12:00:00', 'breached', timestamp '2025-02-12 14:00:00', false),
            ('premium_high_resolution_6h', 'O', 'resolution', 0, 'premium', 'high', 240, 360,
             'breached', timestamp '2025-03-31 21:30:00', 'breached', timestamp '2025-03-31 23:30:00', false)
        ) as v(scenario, ticket_id, metric, instance, support_tier, priority,
               live_target_minutes, draft_target_minutes, live_outcome, live_outcome_at,
               draft_outcome, draft_outcome_at, is_outcome_changed);

        create or replace table main.fct_sla_whatif_compliance_periods as
        select * from (values
            ('premium_high_resolution_6h', 'quarter', '2025-Q1', date '2025-01-01', date '2025-03-31', false,
             'premium', 'high', 'resolution', 1, 2, 2, 1, 1, 100.0 / 3, 200.0 / 3, 100.0 / 3, 98.5, 'off_track', 'off_track'),
            ('premium_high_resolution_6h', 'quarter', '2025-Q1', date '2025-01-01', date '2025-03-31', false,
             'premium', 'high', 'first_response', 1, 0, 1, 0, 0, 100.0, 100.0, 0.0, 98.5, 'on_track', 'on_track'),
            ('premium_high_resolution_6h', 'quarter', '2025-Q2', date '2025-04-01', date '2025-06-30', true,
             'premium', 'high', 'resolution', 0, 1, 0, 1, 0, 0.0, 0.0, 0.0, 98.5, 'off_track', 'off_track'),
            ('premium_high_resolution_6h', 'month', '2025-02', date '2025-02-01', date '2025-02-28', false,
             'premium', 'high', 'resolution', 1, 2, 2, 1, 1, 100.0 / 3, 200.0 / 3, 100.0 / 3, 98.5, 'off_track', 'off_track')
        ) as v(scenario, period_kind, period_label, period_start, period_end, is_partial,
               support_tier, priority, metric, live_met_count, live_breached_count,
               draft_met_count, draft_breached_count, changed_count, live_compliance_pct,
               draft_compliance_pct, compliance_change_pp, target_pct, live_status, draft_status);
        """
    )
    con.close()
    return path


@pytest.fixture(scope="module")
def wh(built_warehouse, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    source = built_warehouse.settings.warehouse_path
    path = _warehouse(source, tmp_path_factory.mktemp("whatif") / "warehouse.duckdb")
    return Settings(
        data_dir=path.parent,
        raw_dir=path.parent / "raw",
        landing_path=path.parent / "landing.duckdb",
        warehouse_path=path,
    )


def test_default_period_is_the_quarter_before_as_of(wh: Settings) -> None:
    assert data.whatif.previous_quarter(wh, VP) == Q1
    assert data.whatif.period_label(Q1[0]) == "2025-Q1"
    assert data.whatif.scenarios(wh, VP) == [SCENARIO]
    # quarters newest first, then months, then years
    assert [p["label"] for p in data.whatif.periods(wh, VP)] == ["2025-Q2", "2025-Q1", "2025-02"]


def test_compliance_live_and_under_the_draft(wh: Settings) -> None:
    df = data.whatif.compare(wh, VP, SCENARIO, "2025-Q1")
    rows = {(r["metric"]): r for r in df.iter_rows(named=True)}
    res = rows["resolution"]
    assert (res["live_met"], res["live_breached"], res["draft_met"], res["draft_breached"]) == (
        1,
        2,
        2,
        1,
    )
    assert res["live_compliance"] == pytest.approx(1 / 3)
    assert res["draft_compliance"] == pytest.approx(2 / 3)
    assert res["changed"] == 1
    assert res["change_pp"] == pytest.approx(100 / 3)
    assert (res["target"], res["live_status"], res["draft_status"]) == (
        0.985,
        "off_track",
        "off_track",
    )
    fr = rows["first_response"]
    assert (fr["live_met"], fr["draft_met"], fr["changed"]) == (1, 1, 0)
    tickets = data.whatif.changed_tickets(wh, VP, SCENARIO, *Q1)
    assert tickets["ticket_id"].to_list() == ["W"]


def test_an_unknown_scenario_has_no_rows(wh: Settings) -> None:
    # the scenario is a bound parameter, never SQL: a hostile name matches no row
    assert data.whatif.compare(wh, VP, "'; drop table x; --", "2025-Q1").height == 0


@pytest.mark.parametrize("viewer", [ENGINEER, WALL])
def test_engineers_and_the_wall_may_not_see_it(wh: Settings, viewer: data.Scope) -> None:
    with pytest.raises(data.Forbidden):
        data.whatif.compare(wh, viewer, SCENARIO, "2025-Q1")


@pytest.mark.browser
def test_page_shows_the_answer_in_the_browser(wh: Settings) -> None:
    from test_browser_dashboard import CHROMIUM, CHROMIUM_ARGS, ready, serve

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    env = dict(os.environ)
    env.update(
        PULSE_AUTH="none",
        PULSE_DATA_DIR=str(wh.data_dir),
        PULSE_WAREHOUSE=str(wh.warehouse_path),
        PULSE_LANDING=str(wh.landing_path),
    )
    with serve(env) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="en-US").new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base + "/whatif?lang=en")
        ready(page)
        page.wait_for_selector("#whatif-headlines", timeout=20_000)
        assert page.inner_text("#whatif-headlines") == (
            "Premium · High · Resolution: 33.3% → 66.7%, 1 outcomes change"
        )
        page.wait_for_selector("#whatif-tickets .ag-row", timeout=20_000)
        assert page.locator("#whatif-tickets .ag-row").count() == 1
        assert not errors, errors[:3]
        browser.close()
