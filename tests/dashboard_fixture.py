# ruff: noqa: E501  (hand-written SQL rows read best unwrapped)
"""A small hand-made published warehouse for the dashboard's tests.

It has every mart the dashboard reads, with only the columns it reads (plus a few
neighbours), filled with plausible deterministic rows: ~3 000 tickets from January to
mid-May 2025, open tickets near breach at the as-of moment, three teams of engineers,
OKR progress, customers, revenue, costs and data-quality tables. The real pipeline's
warehouse (`built_warehouse` in conftest) replaces it in the end-to-end tests when it
builds; this one keeps the unit tests fast and independent of dbt.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

AS_OF = datetime(2025, 5, 15, 12, 0, 0)  # UTC, like tests/conftest.EXTRACT_END
BUILD_ID = "fixture-20250515T120000"

TEAMS = [("T1", "Первая линия"), ("T2", "Специалисты"), ("T3", "Архитекторы")]
ENGINEERS = [
    ("E01", "Анна Смирнова", "T1", "1"),
    ("E02", "Иван Петров", "T1", "1"),
    ("E03", "Olga Ivanova", "T1", "1"),
    ("E04", "Pavel Sokolov", "T2", "2"),
    ("E05", "Мария Кузнецова", "T2", "2"),
    ("E06", "Dmitry Volkov", "T3", "3"),
]


def create_fixture_warehouse(
    path: Path, *, as_of: datetime = AS_OF, build_id: str = BUILD_ID
) -> Path:
    """Write the fixture warehouse to `path` (replacing it) and return the path."""
    path = Path(path)
    if path.exists():
        path.unlink()
    con = duckdb.connect(str(path))
    try:
        _fill(con, as_of, build_id)
    finally:
        con.close()
    return path


def _fill(con: duckdb.DuckDBPyConnection, as_of: datetime, build_id: str) -> None:
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        "create or replace macro rnd(seed, k) as (hash(seed * 1000003 + k) % 10000) / 10000.0"
    )
    con.execute(
        """
        create table pulse_build as select ?::varchar as build_id, ?::timestamp as as_of,
            ?::timestamp as built_at, 'success' as status, 120 as tests_passed,
            1 as tests_warned, 0 as batches_failed, 3::bigint as rows_rejected
        """,
        [build_id, as_of, as_of],
    )
    con.execute(
        """
        create table pulse_build_tests as select * from (values
          (?, 'test.unique_fct_tickets_ticket_id', 'test', 'pass', 0, null, 0.1),
          (?, 'test.not_null_fct_sla_outcomes_outcome', 'test', 'pass', 0, null, 0.1),
          (?, 'test.accepted_values_fct_tickets_priority', 'test', 'pass', 0, null, 0.1),
          (?, 'test.relationships_csat_ticket', 'test', 'warn', 2, 'Got 2 results, configured to warn if != 0', 0.2)
        ) t(build_id, node, resource_type, status, failures, message, seconds)
        """,
        [build_id] * 4,
    )
    con.execute("create table dim_team (team_id varchar, team_name varchar)")
    con.executemany("insert into dim_team values (?, ?)", TEAMS)
    con.execute(
        "create table dim_engineer (engineer_id varchar, full_name varchar, team_id varchar, "
        "team_name varchar, support_tier varchar, is_active boolean)"
    )
    names = dict(TEAMS)
    con.executemany(
        "insert into dim_engineer values (?, ?, ?, ?, ?, true)",
        [(e, n, t, names[t], tier) for e, n, t, tier in ENGINEERS],
    )
    con.execute(
        """
        create table dim_account as
        select 'A' || lpad(i::varchar, 3, '0') as account_id,
               'Account ' || i as account_name,
               ['enterprise', 'mid_market', 'smb', 'startup'][1 + i % 4] as segment,
               ['Moscow', 'St Petersburg', 'Kazakhstan'][1 + i % 3] as region,
               ['premium', 'professional', 'standard', 'free'][1 + i % 4] as support_tier
        from range(1, 61) r(i)
        """
    )
    # Tickets: 3 000 over 2025-01-01 .. as_of; the newest are still open.
    con.execute(
        f"""
        create table fct_tickets as
        with base as (
            select i, timestamp '2025-01-01' + to_seconds(cast(i * 3870 as bigint)) as created_at,
                   'A' || lpad((1 + i % 60)::varchar, 3, '0') as account_id
            from range(0, 3000) r(i)
        )
        select 'T' || lpad(i::varchar, 6, '0') as ticket_id, b.account_id, a.support_tier,
               ['critical', 'high', 'medium', 'low'][1 + (hash(i) % 4)::int] as priority,
               ['compute', 'storage', 'database', 'networking', 'kubernetes'][1 + (hash(i + 7) % 5)::int]
                   as product_area,
               ['email', 'chat', 'web', 'phone', 'bot'][1 + (hash(i + 3) % 5)::int] as channel,
               b.created_at,
               b.created_at > timestamp '{as_of:%Y-%m-%d %H:%M:%S}' - interval 2 day as is_open,
               false as is_proactive,
               b.created_at + to_minutes(cast(5 + hash(i) % 90 as bigint)) as first_response_at,
               (5 + hash(i) % 90)::double as first_response_minutes,
               case when b.created_at > timestamp '{as_of:%Y-%m-%d %H:%M:%S}' - interval 2 day then null
                    else b.created_at + to_minutes(cast(60 + hash(i + 1) % 900 as bigint)) end as solved_at,
               case when b.created_at > timestamp '{as_of:%Y-%m-%d %H:%M:%S}' - interval 2 day then null
                    else (60 + hash(i + 1) % 900)::double end as resolution_minutes,
               (hash(i + 11) % 20 = 0)::int as reopen_count,
               (hash(i + 13) % 5 = 0)::int as escalation_count,
               hash(i + 13) % 5 = 0 as is_escalated,
               hash(i + 13) % 5 <> 0 and hash(i + 11) % 20 <> 0 as is_fcr,
               hash(i + 17) % 6 = 0 as solved_by_bot,
               'E0' || (1 + i % 6) as first_responder_id,
               'E0' || (1 + (i + 1) % 6) as solver_id,
               ['T1', 'T1', 'T1', 'T2', 'T2', 'T3'][1 + (i + 1) % 6] as team_id,
               'Subject ' || i as subject,
               hash(i + 19) % 3 = 0 as is_started_in_tier1
        from base b join dim_account a using (account_id)
        """
    )
    con.execute(
        """
        create table fct_sla_outcomes as
        with m as (
            select t.*, metric,
                   case when metric = 'first_response' then 60 else 480 end::double as target_minutes
            from fct_tickets t, (values ('first_response'), ('resolution')) v(metric)
            where t.support_tier <> 'free'
        ), e as (
            select *, case when metric = 'first_response'
                   then first_response_minutes * (0.4 + (hash(ticket_id) % 100) / 80.0)
                   else coalesce(resolution_minutes, 30) end as elapsed_minutes,
                   case when metric = 'first_response' then first_response_at else solved_at end
                       as completed_at
            from m
        )
        select ticket_id, metric, support_tier, priority, 'calendar' as clock, target_minutes,
               elapsed_minutes, created_at + to_minutes(cast(target_minutes as bigint)) as due_at,
               case when is_open and metric = 'resolution' then null else completed_at end
                   as completed_at,
               case when elapsed_minutes > target_minutes then 'breached'
                    when is_open and metric = 'resolution' then 'pending' else 'met' end as outcome,
               case when elapsed_minutes > target_minutes
                        then created_at + to_minutes(cast(target_minutes as bigint))
                    when is_open and metric = 'resolution' then null else completed_at end
                   as outcome_at,
               case when metric = 'first_response' then first_responder_id else solver_id end
                   as engineer_id,
               team_id, false as is_paused
        from e
        """
    )
    # Open tickets near breach at as_of: re-target their resolution clocks.
    con.execute(
        f"""
        update fct_sla_outcomes set
            due_at = timestamp '{as_of:%Y-%m-%d %H:%M:%S}' + to_minutes(cast((hash(ticket_id) % 240)::bigint - 30 as bigint)),
            outcome = 'pending', outcome_at = null, completed_at = null
        where metric = 'resolution' and ticket_id in (select ticket_id from fct_tickets where is_open)
        """
    )
    con.execute(
        """
        create table fct_sla_daily as
        select cast(timezone('Europe/Moscow', timezone('UTC', outcome_at)) as date) as outcome_date,
               support_tier, priority, metric,
               count(*) filter (where outcome = 'met') as met_count,
               count(*) filter (where outcome = 'breached') as breached_count,
               0::bigint as pending_count,
               count(*) filter (where outcome = 'met') * 1.0
                   / nullif(count(*) filter (where outcome in ('met', 'breached')), 0) as compliance
        from fct_sla_outcomes where outcome_at is not null group by all
        """
    )
    con.execute(
        """
        create table fct_csat_responses as
        select 'C' || ticket_id as response_id, ticket_id, solved_at + interval 3 hour as responded_at,
               date_trunc('month', solved_at + interval 3 hour)::date as responded_month,
               (1 + hash(ticket_id || 'c') % 5)::int as score,
               (1 + hash(ticket_id || 'c') % 5) >= 4 as is_satisfied,
               case when hash(ticket_id) % 4 = 0 then 'Спасибо, быстро решили' when hash(ticket_id) % 4 = 1
                    then '=HYPERLINK("x")' end as comment_text,
               support_tier, priority, solver_id, account_id
        from fct_tickets where solved_at is not null and hash(ticket_id) % 3 = 0
        """
    )
    con.execute(
        """
        create table fct_nps_responses as
        select 'N' || i as response_id, a.account_id,
               timestamp '2025-01-20' + to_days(cast(90 * (i % 2) as integer)) + to_hours(cast(i as bigint))
                   as responded_at,
               case when i % 2 = 0 then '2025-Q1' else '2025-Q2' end as wave,
               (hash(i) % 11)::int as score, a.support_tier, a.segment, a.region
        from range(0, 240) r(i)
        join dim_account a on a.account_id = 'A' || lpad((1 + i % 60)::varchar, 3, '0')
        """
    )
    con.execute(
        """
        create table fct_account_months as
        select a.account_id, m.month_start, strftime(m.month_start, '%Y-%m') as month,
               not (a.account_id in ('A007', 'A013') and m.month_start >= date '2025-04-01') as is_active,
               1000.0 + hash(a.account_id) % 5000 as mrr_usd, a.support_tier
        from dim_account a,
             (select unnest(generate_series(date '2024-12-01', date '2025-05-01', interval 1 month))::date
                 as month_start) m
        """
    )
    con.execute(
        """
        create table fct_retention as select * from (values
          ('quarter', '2025-Q1', date '2025-01-01', true, 'all', 'all', 'all', 60, 58, 2,
           96.7, 4.1, 6.0, 0.9, 1.0),
          ('quarter', '2025-Q2', date '2025-04-01', false, 'all', 'all', 'all', 58, 56, 2,
           96.6, 2.5, 4.0, 0.5, 1.0),
          ('year', '2025', date '2025-01-01', false, 'all', 'all', 'all', 60, 56, 4,
           93.3, 6.0, 9.0, 1.0, 2.0)
        ) t(period_type, period, period_start, is_complete, dim_tier, dim_segment, dim_region,
            starting_accounts, retained_accounts, churned_accounts, logo_retention_pct,
            net_expansion_pct, expansion_pct, contraction_pct, churn_pct)
        """
    )
    con.execute(
        """
        create table fct_opportunities as
        select 'O' || i as opportunity_id, 'A' || lpad((1 + i % 60)::varchar, 3, '0') as account_id,
               date '2025-01-05' + (i * 3)::int as close_date,
               date_trunc('month', date '2025-01-05' + (i * 3)::int)::date as close_month,
               2025 as close_year, true as is_closed, hash(i) % 3 <> 0 as is_won,
               hash(i) % 3 = 0 as is_lost,
               case when hash(i) % 3 <> 0 then 'closed_won' else 'closed_lost' end as stage,
               ['new_business', 'upsell', 'expansion'][1 + i % 3] as opportunity_type,
               ['aws', 'yandex_cloud', 'cloud_ru', 'selectel', 'none'][1 + i % 5] as competitor,
               (20000 + hash(i) % 80000)::double as amount_usd,
               case when i % 2 = 0 then 20.0 else 0.0 end as support_credit_pct,
               case when hash(i) % 3 <> 0 and i % 2 = 0 then (20000 + hash(i) % 80000) * 0.2 else 0 end
                   ::double as attributed_revenue_usd,
               i % 2 = 0 as has_support_credit, i % 4 = 0 as had_poc,
               i % 4 = 0 and hash(i) % 3 <> 0 as is_poc_won,
               (20 + hash(i) % 90)::int as sales_cycle_days
        from range(0, 40) r(i)
        """
    )
    con.execute(
        """
        create table fct_cost_per_ticket as
        select month_start, strftime(month_start, '%Y-%m') as month,
               40000.0 as support_cost_usd, 3600000.0 as support_cost_rub, n as tickets_created,
               40000.0 / n as cost_per_ticket_usd, 3600000.0 / n as cost_per_ticket_rub,
               n1 as tier1_started_tickets, bot as automated_tickets,
               100.0 * bot / nullif(n1, 0) as automation_share_pct
        from (
            select date_trunc('month', created_at)::date as month_start, count(*) as n,
                   count(*) filter (where is_started_in_tier1) as n1,
                   count(*) filter (where is_started_in_tier1 and solved_by_bot) as bot
            from fct_tickets group by 1
        )
        """
    )
    con.execute(
        """
        create table fct_engineer_weeks as
        select e.engineer_id, w.week_start, strftime(w.week_start, '%G-W%V') as iso_week,
               e.support_tier as engineer_tier, e.team_id,
               (18 + hash(e.engineer_id || w.week_start) % 5)::bigint as first_responses_met,
               (hash(e.engineer_id || w.week_start) % 3)::bigint as first_responses_breached,
               case e.support_tier when '1' then 95 when '2' then 96 else 97 end::double
                   as target_response_compliance_pct,
               (15 + hash(e.engineer_id) % 4)::bigint as resolutions_met,
               (hash(w.week_start || e.engineer_id) % 3)::bigint as resolutions_breached,
               case e.support_tier when '1' then 93 when '2' then 95 else 96 end::double
                   as target_resolution_compliance_pct,
               20::bigint as tickets_solved, (8 + hash(e.engineer_id) % 8)::bigint as fcr_tickets,
               case e.support_tier when '1' then 45 when '2' then 55 else 65 end::double as target_fcr_pct,
               6::bigint as csat_responses, (4 + hash(e.engineer_id) % 3)::bigint as csat_satisfied,
               case e.support_tier when '1' then 80 when '2' then 85 else 90 end::double as target_csat_pct,
               2::bigint as qa_reviews, (150 + hash(e.engineer_id) % 40)::double as qa_score_sum,
               case e.support_tier when '1' then 75 when '2' then 85 else 90 end::double as target_qa_score,
               (case e.support_tier when '1' then 32 when '2' then 16 else 7 end
                   + hash(e.engineer_id || w.week_start) % 5)::bigint as tickets_handled,
               case e.support_tier when '1' then 30 when '2' then 15 else 5 end::double
                   as target_tickets_handled_min,
               case e.support_tier when '1' then 40 when '2' then 20 else 10 end::double
                   as target_tickets_handled_max,
               0::bigint as kb_articles_published,
               (hash(e.engineer_id) % 6)::bigint as kb_articles_quarter_to_date,
               case e.support_tier when '1' then 2 when '2' then 5 else 10 end::double
                   as target_kb_articles_per_quarter,
               (hash(e.engineer_id) % 4)::bigint as escalations,
               case e.support_tier when '1' then 30 when '2' then 15 else 5 end::double
                   as target_escalation_rate_max_pct
        from dim_engineer e,
             (select unnest(generate_series(date '2024-12-30', date '2025-05-12', interval 7 day))::date
                 as week_start) w
        """
    )
    con.execute(
        """
        create table fct_qa_reviews as
        select 'R' || i as review_id, 'T' || lpad((i * 7)::varchar, 6, '0') as ticket_id,
               'E0' || (1 + i % 6) as engineer_id,
               timestamp '2025-01-10' + to_days(cast(i as integer)) as reviewed_at,
               20 as technical_accuracy, 20 as communication, 15 as timeliness, 16 as process,
               (5 + i % 5)::int as customer_satisfaction, (76 + i % 5)::int as total_score
        from range(0, 60) r(i)
        """
    )
    con.execute(
        """
        create table fct_kb_articles as
        select 'KB' || i as article_id, 'E0' || (1 + i % 6) as author_id,
               timestamp '2025-01-15' + to_days(cast(i * 4 as integer)) as published_at,
               ['howto', 'troubleshooting', 'faq'][1 + i % 3] as category,
               ['ru', 'en'][1 + i % 2] as language, 'published' as status, true as is_published
        from range(0, 30) r(i)
        """
    )
    _okr(con)
    con.execute(
        """
        create table fct_dq_load_manifest as select * from (values
          ('tickets', 'tickets/2025-05-14.csv', 1200, 1198, 2, 'loaded', null, timestamp '2025-05-15 11:50:00'),
          ('ticket_events', 'ticket_events/2025-05-14.csv', 9000, 8999, 1, 'loaded', null, timestamp '2025-05-15 11:50:10'),
          ('csat_responses', 'csat_responses/broken.csv', 0, 0, 0, 'failed',
           'csat_responses/broken.csv: missing required column score', timestamp '2025-05-15 11:50:20')
        ) t(entity, file_name, rows_read, rows_landed, rows_rejected, status, error_message, loaded_at)
        """
    )
    con.execute(
        """
        create table fct_dq_load_rejects as select * from (values
          ('tickets', 'tickets/2025-05-14.csv', 17, 'T1,2025-13-01,...', 'unparseable timestamp created_at'),
          ('tickets', 'tickets/2025-05-14.csv', 230, '=cmd|calc,...', 'unknown priority ''urgentest'''),
          ('ticket_events', 'ticket_events/2025-05-14.csv', 88, 'E9,T5,...', 'event before ticket creation')
        ) t(entity, file_name, line_number, raw_row, reason)
        """
    )
    con.execute(
        """
        create table fct_dq_orphan_events as select * from (values
          ('EV1', 'T999999', timestamp '2025-05-15 10:00:00', 'comment', 'agent', 'b-0007')
        ) t(event_id, ticket_id, event_at, event_type, actor_role, source_batch_id)
        """
    )
    con.execute(
        """
        create table fct_dq_source_freshness as select * from (values
          ('helpdesk', 'tickets', 3000::bigint, timestamp '2025-05-15 11:58:00',
           timestamp '2025-05-15 11:50:00', 12::bigint, 0.03),
          ('surveys', 'nps_responses', 240::bigint, timestamp '2025-04-20 09:00:00',
           timestamp '2025-05-15 11:50:00', 2::bigint, 603.0)
        ) t(source_name, table_name, row_count, max_timestamp, last_loaded_at, loaded_batches,
            lag_hours)
        """
    )


def _okr(con: duckdb.DuckDBPyConnection) -> None:
    """fct_okr_progress: month, quarter and year rows for FY2025 up to May."""
    krs = [
        # kr_id, objective_id, objective, key_result, unit, direction, quarter targets, level
        (
            "csat",
            "O1",
            "Market-leading customer experience",
            "CSAT",
            "pct",
            "higher",
            [70, 75, 80, 85],
            78.0,
        ),
        (
            "nps",
            "O1",
            "Market-leading customer experience",
            "NPS",
            "score",
            "higher",
            [None, None, None, 50],
            41.0,
        ),
        (
            "first_response_sla",
            "O1",
            "Market-leading customer experience",
            "First-response SLA compliance",
            "pct",
            "higher",
            [97, 97, 97, 97],
            93.0,
        ),
        (
            "fcr",
            "O1",
            "Market-leading customer experience",
            "First-contact resolution",
            "pct",
            "higher",
            [50, 50, 50, 50],
            52.0,
        ),
        (
            "headcount",
            "O2",
            "High-performance team",
            "Headcount",
            "count",
            "higher",
            [None, 25, 25, 25],
            22.0,
        ),
        (
            "kb_articles",
            "O3",
            "Knowledge infrastructure",
            "Published KB articles",
            "count",
            "higher",
            [100, 200, 400, 800],
            150.0,
        ),
        (
            "cost_per_ticket",
            "O4",
            "Financial efficiency",
            "Support cost per ticket",
            "usd",
            "lower",
            [50, 50, 50, 50],
            47.0,
        ),
        (
            "attributed_revenue",
            "O4",
            "Financial efficiency",
            "Support-attributed revenue",
            "usd",
            "higher",
            [500000, 500000, 500000, 500000],
            210000.0,
        ),
        (
            "resolution_sla",
            "KPI",
            "Business KPIs",
            "Resolution SLA compliance",
            "pct",
            "higher",
            [95, 95, 95, 95],
            90.0,
        ),
    ]
    rows = []
    for kr_id, oid, obj, kr, unit, direction, targets, level in krs:
        for month in range(1, 6):
            q = (month - 1) // 3
            actual = level * (0.96 + 0.02 * month)
            rows.append(
                (
                    kr_id,
                    oid,
                    obj,
                    kr,
                    f"2025-{month:02d}",
                    "month",
                    actual,
                    targets[q],
                    unit,
                    direction,
                    None,
                )
            )
        for q in (1, 2):
            actual = level * (0.98 + 0.03 * q)
            rows.append(
                (
                    kr_id,
                    oid,
                    obj,
                    kr,
                    f"2025-Q{q}",
                    "quarter",
                    actual,
                    targets[q - 1],
                    unit,
                    direction,
                    actual * 1.01,
                )
            )
        rows.append(
            (kr_id, oid, obj, kr, "2025", "year", level, targets[3], unit, direction, level * 1.05)
        )
    con.execute(
        "create table okr_rows (kr_id varchar, objective_id varchar, objective varchar, "
        "key_result varchar, period varchar, period_type varchar, actual double, target double, "
        "unit varchar, direction varchar, projection double)"
    )
    con.executemany("insert into okr_rows values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        """
        create table fct_okr_progress as
        with dims as (
            select * from (values ('all', 'all', 'all'), ('premium', 'all', 'all'),
                                  ('standard', 'all', 'all'), ('all', 'all', 'Moscow'),
                                  ('all', 'enterprise', 'all')) d(dim_tier, dim_segment, dim_region)
        ), x as (
            select r.* replace (
                       case when d.dim_tier = 'all' and d.dim_segment = 'all' and d.dim_region = 'all'
                            then r.actual else r.actual * 0.93 end as actual),
                   d.dim_tier, d.dim_segment, d.dim_region, 2025 as fiscal_year
            from okr_rows r, dims d
            where (d.dim_tier = 'all' and d.dim_segment = 'all' and d.dim_region = 'all')
               or r.kr_id in ('csat', 'nps', 'first_response_sla', 'fcr', 'resolution_sla')
        )
        select *, case
            when actual is null or target is null then 'no_data'
            when direction = 'higher' and actual >= target then 'on_track'
            when direction = 'higher' and actual >= target * 0.95 then 'at_risk'
            when direction = 'lower' and actual <= target then 'on_track'
            when direction = 'lower' and actual <= target * 1.05 then 'at_risk'
            else 'off_track' end as status,
            null::varchar as projected_status,
            kr_id = 'nps' and dim_tier <> 'all' as is_low_n,
            120.0 as denominator,
            case when kr_id = 'attributed_revenue' then 'ytd_sum' else 'ratio' end as measure,
            case when kr_id = 'attributed_revenue' then 'linear_in_period'
                 else 'current_value' end as projection_method
        from x
        """
    )
    con.execute("drop table okr_rows")
