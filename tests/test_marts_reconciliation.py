"""Customer, revenue, efficiency, engineer and OKR marts reconciled on a real build.

The session's `built_warehouse` (tests/conftest.py: a generated extract from January to
mid-May 2025, loaded and built by the real pipeline) is read read-only, and every
number the OKR page shows for a closed quarter is recomputed directly from the mart it
comes from, so fct_okr_progress can never drift from its sources. The hand-worked
cases of each rule are dbt unit tests (transforms/models/**/_*__models.yml).
"""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.slow

QUARTER = "2025-Q1"  # complete in the small extract (it runs to 2025-05-15)
ALL = ("all", "all", "all")


@pytest.fixture(scope="module")
def con(built_warehouse):
    con = duckdb.connect(str(built_warehouse.settings.warehouse_path), read_only=True)
    yield con
    con.close()


def okr_row(con, kr_id: str, period: str, dims=ALL):
    row = con.execute(
        "select actual, numerator, denominator, target, status from main.fct_okr_progress "
        "where kr_id = ? and fiscal_year = 2025 and period = ? "
        "and dim_tier = ? and dim_segment = ? and dim_region = ?",
        [kr_id, period, *dims],
    ).fetchall()
    assert len(row) == 1, (kr_id, period, dims, row)
    return row[0]


def test_quarter_csat_equals_a_direct_count_over_csat_responses(con) -> None:
    satisfied, responses = con.execute(
        "select count(*) filter (where score >= 4), count(*) from main.fct_csat_responses "
        "where responded_quarter = ?",
        [QUARTER],
    ).fetchone()
    assert responses > 100  # the extract really has a quarter of responses
    actual, numerator, denominator, target, status = okr_row(con, "csat", QUARTER)
    assert (numerator, denominator) == (satisfied, responses)
    assert actual == pytest.approx(100.0 * satisfied / responses)
    assert target == 70.0  # DESIGN s4: CSAT 70 % in Q1 of year 1
    assert status == ("on_track" if actual >= 70 else "at_risk" if actual >= 66.5 else "off_track")


def test_quarter_csat_per_tier_adds_up_to_the_total(con) -> None:
    direct = dict(
        con.execute(
            "select support_tier, 100.0 * count(*) filter (where is_satisfied) / count(*) "
            "from main.fct_csat_responses where responded_quarter = ? group by 1",
            [QUARTER],
        ).fetchall()
    )
    rows = dict(
        con.execute(
            "select dim_tier, actual from main.fct_okr_progress where kr_id = 'csat' "
            "and period = ? and dim_tier <> 'all' and dim_segment = 'all' "
            "and dim_region = 'all'",
            [QUARTER],
        ).fetchall()
    )
    assert rows.keys() == direct.keys()
    for tier, value in direct.items():
        assert rows[tier] == pytest.approx(value)


def test_a_combination_of_filters_reads_its_own_row(con) -> None:
    tier, segment, region, satisfied, responses = con.execute(
        "select support_tier, segment, region, count(*) filter (where is_satisfied), count(*) "
        "from main.fct_csat_responses where responded_quarter = ? "
        "group by all order by count(*) desc limit 1",
        [QUARTER],
    ).fetchone()
    actual, numerator, denominator, *_ = okr_row(con, "csat", QUARTER, (tier, segment, region))
    assert (numerator, denominator) == (satisfied, responses)
    assert actual == pytest.approx(100.0 * satisfied / responses)


def test_quarter_money_kpis_equal_their_marts(con) -> None:
    credited = con.execute(
        "select sum(attributed_revenue_usd) from main.fct_opportunities "
        "where is_won and close_year = 2025 and close_quarter <= ?",
        [QUARTER],
    ).fetchone()[0]
    actual, *_ = okr_row(con, "attributed_revenue", QUARTER)  # year to date
    assert actual == pytest.approx(float(credited or 0))

    cost, tickets = con.execute(
        "select sum(support_cost_usd), sum(tickets_created) from main.fct_cost_per_ticket "
        "where month_start between date '2025-01-01' and date '2025-03-01' and has_costs"
    ).fetchone()
    actual, *_ = okr_row(con, "cost_per_ticket", QUARTER)
    assert actual == pytest.approx(cost / tickets)


def test_retention_components_add_up(con) -> None:
    bad = con.execute(
        "select count(*) from main.fct_retention where "
        "starting_accounts <> retained_accounts + churned_accounts or "
        "abs(ending_mrr_usd - (starting_mrr_usd + expansion_mrr_usd - contraction_mrr_usd "
        "- churned_mrr_usd)) > 0.01"
    ).fetchone()[0]
    assert bad == 0
    retained, starting = con.execute(
        "select retained_accounts, starting_accounts from main.fct_retention "
        "where period_type = 'ytd' and period = '2025-03' and dim_tier = 'all' "
        "and dim_segment = 'all' and dim_region = 'all'"
    ).fetchone()
    actual, *_ = okr_row(con, "customer_retention", QUARTER)
    assert actual == pytest.approx(100.0 * retained / starting)


def test_every_key_result_has_every_period(con) -> None:
    missing = con.execute(
        """
        select k.fiscal_year, k.kr_id, count(p.period) as periods
        from reference.okr_key_results k
        left join main.fct_okr_progress p
            on p.kr_id = k.kr_id and p.fiscal_year = k.fiscal_year
            and p.dim_tier = 'all' and p.dim_segment = 'all' and p.dim_region = 'all'
        group by 1, 2 having count(p.period) <> 17
        """
    ).fetchall()
    assert missing == []


def test_engineer_weeks_account_for_every_attributed_fact(con) -> None:
    weeks = con.execute(
        "select sum(escalations), sum(tickets_solved), sum(csat_responses), sum(qa_reviews) "
        "from main.fct_engineer_weeks"
    ).fetchone()
    facts = con.execute(
        "select count(*) filter (where activity = 'escalation'), "
        "count(*) filter (where activity = 'solved'), count(*) filter (where activity = 'csat'), "
        "count(*) filter (where activity = 'qa_review') "
        "from intermediate.int_engineer_activities_unioned a "
        "where a.engineer_id in (select engineer_id from main.dim_engineer)"
    ).fetchone()
    assert weeks == facts
    assert weeks[0] > 0 and weeks[1] > 0
