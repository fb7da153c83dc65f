"""Issue 12, one number per metric: the period marts agree with each other on a real build.

The hand-worked values of each mart are its dbt unit tests; these checks run on the
session's small extract and compare marts that must show the same number.
"""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(built_warehouse):
    connection = duckdb.connect(str(built_warehouse.settings.warehouse_path), read_only=True)
    yield connection
    connection.close()


def test_revenue_page_marts_equal_the_okr_key_results(con) -> None:
    """Cost per ticket, automation share and attributed revenue: value, target, status."""
    rows = con.execute(
        """
        select e.metric, e.period_label, e.value, o.actual, e.target, o.target,
               e.status, o.status, e.projected_status, o.projected_status
        from main.fct_efficiency_periods e
        join main.fct_okr_progress o
          on o.kr_id = e.metric and o.period = e.period_label
         and o.dim_tier = 'all' and o.dim_segment = 'all' and o.dim_region = 'all'
        where e.metric in ('cost_per_ticket', 'automation_share', 'attributed_revenue')
        """
    ).fetchall()
    assert len(rows) >= 3 * 6  # three KRs over months and quarters of 2025 at least
    for metric, label, value, actual, target, okr_target, st, okr_st, pst, okr_pst in rows:
        assert value == pytest.approx(actual), (metric, label)
        assert target == okr_target and st == okr_st and pst == okr_pst, (metric, label)


def test_sla_compliance_periods_equal_the_okr_sla_key_results(con) -> None:
    rows = con.execute(
        """
        select s.period_label, s.metric, s.compliance_pct, o.actual, s.target_pct, o.target,
               s.status, o.status
        from main.fct_sla_compliance_periods s
        join main.fct_okr_progress o
          on o.period = s.period_label
         and o.kr_id = case s.metric when 'first_response' then 'first_response_sla'
                                     when 'resolution' then 'resolution_sla'
                                     else 'sla_compliance' end
         and o.dim_tier = 'all' and o.dim_segment = 'all' and o.dim_region = 'all'
        where s.support_tier = 'all' and s.priority = 'all'
          and s.period_kind in ('month', 'quarter', 'year')
        """
    ).fetchall()
    assert len(rows) >= 2 * 6
    for label, metric, compliance, actual, target, okr_target, status, okr_status in rows:
        assert compliance == pytest.approx(actual), (label, metric)
        assert (target, status) == (okr_target, okr_status), (label, metric)


def test_a_tier_rows_target_is_the_tier_target(con) -> None:
    targets = dict(
        con.execute(
            "select distinct support_tier, target_pct from main.fct_sla_compliance_periods "
            "where support_tier <> 'all'"
        ).fetchall()
    )
    assert targets == {"premium": 98.5, "professional": 97.0, "standard": 96.0}


def test_engineer_last_four_weeks_add_up_from_their_weeks(con) -> None:
    """/teams (last_4_weeks) and /engineer (iso weeks) read rows that add up exactly."""
    mismatches = con.execute(
        """
        with four as (
            select * from main.fct_engineer_periods where period_kind = 'last_4_weeks'
        ), weeks as (
            select w.engineer_id, w.metric, sum(w.numerator) as numerator,
                   sum(w.denominator) as denominator, count(*) as weeks
            from main.fct_engineer_periods w
            join four f on f.engineer_id = w.engineer_id and f.metric = w.metric
            where w.period_kind = 'iso_week'
              and w.period_start between f.period_start and f.period_end
            group by all
        )
        select count(*) filter (where abs(f.numerator - w.numerator) > 1e-9
                                  or (f.metric <> 'kb_articles'
                                      and abs(f.denominator - w.denominator) > 1e-9)),
               count(*), max(w.weeks)
        from four f join weeks w using (engineer_id, metric)
        """
    ).fetchone()
    assert mismatches[0] == 0
    assert mismatches[1] > 0 and mismatches[2] == 4


def test_ticket_events_end_in_the_tickets_state(con) -> None:
    """Every ticket's last event leaves it open exactly when fct_tickets says it is open,
    and a ticket with a resolution clock ends with it stopped exactly when solved."""
    row = con.execute(
        """
        with last_event as (
            select ticket_id, status_after, clock_state,
                   row_number() over (partition by ticket_id order by event_number desc) as r
            from main.fct_ticket_events
        )
        select
            count(*) filter (where t.is_open <> (l.status_after not in ('solved', 'closed'))),
            count(*) filter (where l.clock_state is not null
                               and (l.clock_state = 'stopped') <> (not t.is_open)),
            count(*)
        from last_event l join main.fct_tickets t using (ticket_id)
        where l.r = 1
        """
    ).fetchone()
    assert row[0] == 0 and row[1] == 0
    assert row[2] == con.execute("select count(*) from main.fct_tickets").fetchone()[0]


def test_csat_periods_equal_the_csat_key_result(con) -> None:
    rows = con.execute(
        """
        select c.period_label, c.csat_pct, o.actual, c.responses, o.survey_responses,
               c.target_pct, o.target, c.status, o.status
        from main.fct_csat_periods c
        join main.fct_okr_progress o
          on o.kr_id = 'csat' and o.period = c.period_label
         and o.dim_tier = 'all' and o.dim_segment = 'all' and o.dim_region = 'all'
        where c.support_tier = 'all'
        """
    ).fetchall()
    assert len(rows) >= 6
    for label, csat, actual, n, okr_n, target, okr_target, status, okr_status in rows:
        assert csat == pytest.approx(actual), label
        assert (n, target, status) == (okr_n, okr_target, okr_status), label


def test_the_walls_day_rows_are_the_daily_outcomes(con) -> None:
    """Day rows (the wall's today) hold exactly fct_sla_daily's met and breached counts."""
    row = con.execute(
        """
        with daily as (
            select outcome_date, metric, sum(met_count) as met, sum(breached_count) as breached
            from main.fct_sla_daily group by all
        )
        select count(*),
               count(*) filter (where p.met_count <> d.met or p.breached_count <> d.breached)
        from main.fct_sla_compliance_periods p
        join daily d on cast(d.outcome_date as varchar) = p.period_label and d.metric = p.metric
        where p.period_kind = 'day' and p.support_tier = 'all' and p.priority = 'all'
        """
    ).fetchone()
    assert row[0] > 100 and row[1] == 0


def test_team_rows_sum_their_engineers(con) -> None:
    row = con.execute(
        """
        with engineers as (
            select team_id, period_kind, period_label, metric,
                   sum(numerator) as numerator, sum(denominator) as denominator
            from main.fct_engineer_periods where team_id is not null group by all
        )
        select count(*),
               count(*) filter (where abs(t.numerator - e.numerator) > 1e-9
                                   or abs(t.denominator - e.denominator) > 1e-9)
        from main.fct_team_periods t
        join engineers e using (team_id, period_kind, period_label, metric)
        """
    ).fetchone()
    assert row[0] == con.execute("select count(*) from main.fct_team_periods").fetchone()[0]
    assert row[0] > 0 and row[1] == 0
