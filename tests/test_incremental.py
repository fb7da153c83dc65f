"""Incremental SLA models (issue 7): an incremental build gives exactly the marts a full
rebuild of the same data gives.

The hand-made SLA extract is loaded and built; then a second batch brings late events
(logged before the previous as_of), out-of-order events (between existing ones), a
changed ticket row, a new ticket and an event beyond the next as_of; the incremental
build and a --full-refresh build at the same as_of must agree row for row. A third pair
moves as_of past that future event without any new batch (as_of alone changes which
events count).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytest.importorskip("warehouse.pipeline.load")
pytest.importorskip("warehouse.pipeline.build")

pytestmark = pytest.mark.slow

EXTRACT = Path(__file__).parent / "data" / "sla_extract"

TICKETS_BATCH_2 = (
    "ticket_id,created_at,updated_at,account_id,requester_id,channel,priority,status,type,"
    "product_area,group_name,assignee_id,language,subject,is_proactive\n"
    "T06,2025-03-28 17:00:00,2025-04-02 16:00:00,ACC3,C3,email,low,solved,question,"
    "networking,tier1,E1,ru,VPN,false\n"
    "T14,2025-04-02 16:00:00,2025-04-02 16:10:00,ACC3,C3,chat,high,open,incident,"
    "compute,tier1,E3,ru,New one,false\n"
)

EVENTS_BATCH_2 = """\
event_id,ticket_id,event_at,event_type,actor_id,actor_role,is_public,from_value,to_value
T03-04,T03,2025-04-02 10:00:00,status_changed,E1,agent,,open,solved
T04-05,T04,2025-04-01 09:30:00,priority_changed,E1,agent,,medium,high
T04-06,T04,2025-04-02 16:00:00,status_changed,C1,customer,,pending,open
T11-02,T11,2025-04-02 14:30:00,comment,E3,agent,true,,
T11-03,T11,2025-04-05 10:00:00,status_changed,E3,agent,,new,solved
T14-01,T14,2025-04-02 16:00:00,created,C3,customer,,,
T14-02,T14,2025-04-02 16:10:00,comment,E3,agent,true,,
T14-03,T14,2025-04-02 16:10:00,status_changed,E3,agent,,new,open
"""

COMPARED = {
    "main.fct_tickets": "ticket_id",
    "main.fct_sla_outcomes": "ticket_id, metric, instance",
    "main.fct_sla_daily": "outcome_date, support_tier, priority, metric",
    "main.fct_sla_whatif_outcomes": "scenario, ticket_id, metric, instance",
    "main.fct_ticket_events": "event_id",
    "main.fct_sla_elapsed_stats_periods": "sla_time_stats_key",
    "intermediate.int_ticket_status_intervals": "ticket_id, interval_number",
    "intermediate.int_ticket_event_summaries": "ticket_id",
    "intermediate.int_ticket_completion_states": "ticket_id",
    "intermediate.int_ticket_milestones": "ticket_id",
    "intermediate.int_ticket_first_responses": "ticket_id",
    "intermediate.int_ticket_tiers_resolved": "ticket_id",
    "intermediate.int_ticket_reply_instances": "ticket_id, instance",
    "intermediate.int_sla_clock_segments": "ticket_id, metric, instance, segment_number",
    "intermediate.int_sla_targets": "scenario, ticket_id, metric, instance",
    "intermediate.int_sla_clocks_calendar": "scenario, ticket_id, metric, instance",
    "intermediate.int_sla_clocks_business": "scenario, ticket_id, metric, instance",
    "intermediate.int_sla_outcomes_resolved": "ticket_id, metric, instance",
    "intermediate.int_tickets_summarised": "ticket_id",
    "intermediate.int_escalations_attributed": "event_id",
    "intermediate.int_ticket_activities_credited": "engineer_id, activity, source_id",
    "intermediate.int_engineer_activities_unioned": "engineer_id, activity, source_id",
}
WATERMARKS = ("built_through_batch_id", "built_as_of")
PULSE_MAIN = "import sys; from warehouse.cli import main; sys.exit(main())"


class Pipeline:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.raw = data_dir / "raw"
        self.warehouse = data_dir / "warehouse.duckdb"
        self.env = dict(os.environ)
        self.env.update(
            PULSE_DATA_DIR=str(data_dir),
            PULSE_RAW_DIR=str(self.raw),
            PULSE_LANDING=str(data_dir / "landing.duckdb"),
            PULSE_WAREHOUSE=str(self.warehouse),
            PULSE_MEMORY_LIMIT="1GB",
        )

    def pulse(self, *args: str, unit_tests: bool = False) -> str:
        """Run `pulse ARGS`, which must succeed; its standard output."""
        command = [sys.executable, "-c", PULSE_MAIN]
        env = {**self.env, "PULSE_UNIT_TESTS": "true" if unit_tests else "false"}
        done = subprocess.run(
            [*command, *args], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"pulse {args}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def last_build_was_incremental(self) -> bool:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return not con.execute("select full_refresh from main.pulse_build").fetchone()[0]
        finally:
            con.close()

    def node_builds(self) -> tuple[str, dict[str, tuple[str, str]]]:
        """The published build's id, and for every node its test and model tables list:
        (resource type, id of the build that ran it)."""
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            current = con.execute("select build_id from main.pulse_build").fetchone()[0]
            rows = con.execute(
                "select node, resource_type, build_id from main.pulse_build_tests "
                "union all select node, resource_type, build_id from main.pulse_build_models"
            ).fetchall()
        finally:
            con.close()
        return current, {node: (kind, build) for node, kind, build in rows}

    def reference_data_nodes(self) -> set[str]:
        """Seeds, the models tagged reference_data, and the data tests reading only
        those: what an incremental build leaves out (from the last build's manifest)."""
        manifest = self.data_dir / "dbt" / "target" / "manifest.json"  # see dbt_dirs()
        nodes = json.loads(manifest.read_text())["nodes"]
        reference = {
            uid
            for uid, n in nodes.items()
            if n["resource_type"] == "seed"
            or (n["resource_type"] == "model" and "reference_data" in n["tags"])
        }
        return reference | {
            uid
            for uid, n in nodes.items()
            if n["resource_type"] == "test" and set(n["depends_on"]["nodes"]) <= reference
        }

    def snapshot(self) -> dict[str, list[tuple]]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            out = {}
            for table, order in COMPARED.items():
                columns = [
                    r[0]
                    for r in con.execute(f"describe {table}").fetchall()
                    if r[0] not in WATERMARKS and r[0] != "as_of"
                ]
                out[table] = con.execute(
                    f"select {', '.join(columns)} from {table} order by {order}"
                ).fetchall()
            return out
        finally:
            con.close()


def incremental_equals_full_rebuild(
    pipeline: Pipeline, as_of: str
) -> tuple[dict[str, list[tuple]], tuple[str, dict[str, tuple[str, str]]]]:
    """Build incrementally at `as_of`, then in full at the same `as_of`: the compared
    tables must agree and the first build must really have been incremental. Returns
    the incremental build's tables and which builds ran its nodes (`node_builds`)."""
    pipeline.pulse("build", "--as-of", as_of)
    was_incremental = pipeline.last_build_was_incremental()
    incremental = pipeline.snapshot()
    builds = pipeline.node_builds()
    pipeline.pulse("build", "--as-of", as_of, "--full-refresh")
    assert_same(incremental, pipeline.snapshot())
    require_incremental(was_incremental)
    return incremental, builds


def require_incremental(was_incremental: bool) -> None:
    # an incremental build that silently fell back to a full build would make the
    # comparison above prove nothing (`pulse build` goes full when transforms/ changed)
    assert was_incremental, "the build ran in full, so the incremental path was not tested"


def assert_same(incremental: dict[str, list[tuple]], full: dict[str, list[tuple]]) -> None:
    for table in COMPARED:
        assert len(incremental[table]) == len(full[table]), table
        for a, b in zip(incremental[table], full[table], strict=True):
            assert a == b, f"{table}: incremental {a} != full {b}"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    p = Pipeline(tmp_path_factory.mktemp("sla-incremental"))
    shutil.copytree(EXTRACT, p.raw)
    p.pulse("load", "--raw", str(p.raw))
    # the first build runs the dbt unit tests, for the carry-over checked below; the
    # full rebuilds compared with incremental ones need only the data tests
    p.pulse("build", "--as-of", "2025-04-02T12:00:00Z", "--full-refresh", unit_tests=True)
    (p.raw / "tickets" / "batch2.csv").write_text(TICKETS_BATCH_2, encoding="utf-8")
    (p.raw / "ticket_events" / "batch2.csv").write_text(EVENTS_BATCH_2, encoding="utf-8")
    p.pulse("load", "--raw", str(p.raw))
    return p


def test_incremental_build_after_late_and_out_of_order_events_equals_full_rebuild(
    pipeline: Pipeline,
) -> None:
    incremental, (current, builds) = incremental_equals_full_rebuild(
        pipeline, "2025-04-03T12:00:00Z"
    )
    # The data tests of everything the landing data or as_of reach ran on this build's
    # data. The unit tests (code only, and the code is the published build's), the
    # seeds, the reference-data models (seeds and vars alone) and their tests are
    # carried over from the full build that ran them.
    reference = pipeline.reference_data_nodes()
    carried = {node for node, (_kind, build) in builds.items() if build != current}
    kinds = {builds[node][0] for node in carried}
    assert carried == reference | {n for n, (k, _b) in builds.items() if k == "unit_test"}
    assert kinds == {"unit_test", "test", "seed", "model"}
    assert "model.pulse.dim_date" in carried and "seed.pulse.holidays" in carried
    assert len({builds[node][1] for node in carried}) == 1  # the full build before it
    # a test reading a reference model and a rebuilt one runs: the holiday calendar
    # must cover the (new) tickets' dates
    assert builds["test.pulse.assert_holiday_calendar_covers_ticket_dates"][1] == current
    assert builds["model.pulse.fct_tickets"][1] == current
    # the second batch did change things: T03 resolved late, T14 exists
    tickets = {r[0]: r for r in incremental["main.fct_tickets"]}
    assert "T14" in tickets
    outcomes = {(r[0], r[1]): r for r in incremental["main.fct_sla_outcomes"]}
    assert outcomes[("T03", "resolution")][8] is not None  # completed_at
    assert outcomes[("T04", "resolution")][3] == "high"  # re-targeted by the late change


def last_dbt_run_log(pipeline: Pipeline) -> str:
    """The text log of the last dbt command `pulse build` ran for this data directory
    (dbt rotates its log at 10 MB: the older part is dbt.log.1)."""
    logs = pipeline.data_dir / "dbt" / "logs"
    log = "".join(
        path.read_text(encoding="utf-8")
        for path in (logs / "dbt.log.1", logs / "dbt.log")
        if path.is_file()
    )
    return log[log.rindex("Running with dbt") :]


def test_incremental_build_when_only_as_of_moves_equals_full_rebuild(pipeline: Pipeline) -> None:
    pipeline.pulse("build", "--as-of", "2025-04-05T12:00:00Z")
    # a new as_of reaches dbt without making it parse any file again (pulse_as_of_text)
    log = last_dbt_run_log(pipeline)
    assert "Partial parsing enabled, no changes found" in log, log[:3000]
    assert "Partial parsing: updated file" not in log
    incremental, _ = incremental_equals_full_rebuild(pipeline, "2025-04-06T12:00:00Z")
    outcomes = {(r[0], r[1]): r for r in incremental["main.fct_sla_outcomes"]}
    assert outcomes[("T11", "resolution")][8] is not None  # solved on 5 April, now counted


def test_incremental_build_after_a_contract_change_equals_full_rebuild(
    pipeline: Pipeline,
) -> None:
    # ACC2's only ticket T05 was solved long ago on the free tier; a support plan for
    # ACC2 arriving now makes it premium at creation: a ticket with no event or ticket
    # row of its own in the batch, and not open, still has to be recomputed
    (p := pipeline.raw / "contracts").mkdir(exist_ok=True)
    (p / "batch3.csv").write_text(
        "contract_id,account_id,product,support_tier,start_date,end_date,mrr,currency\n"
        "K6,ACC2,support_plan,premium,2025-01-01,,900,USD\n",
        encoding="utf-8",
    )
    pipeline.pulse("load", "--raw", str(pipeline.raw))
    incremental, _ = incremental_equals_full_rebuild(pipeline, "2025-04-06T12:00:00Z")
    tickets = {r[0]: r for r in incremental["main.fct_tickets"]}
    assert tickets["T05"][2] == "premium"  # support_tier
    outcomes = {(r[0], r[1]): r for r in incremental["main.fct_sla_outcomes"]}
    assert outcomes[("T05", "resolution")][2] == "premium"


def test_a_landing_database_loaded_again_from_other_files_makes_the_next_build_full(
    tmp_path: Path,
) -> None:
    """A landing database moved away and loaded again numbers its batches from 1 again.
    The incremental build took them for batches the published build had read: a ticket
    the new extract no longer holds kept its rows in every mart. The same files loaded
    again give the same batches, and the build stays incremental."""
    p = Pipeline(tmp_path)
    shutil.copytree(EXTRACT, p.raw)
    p.pulse("load", "--raw", str(p.raw))
    p.pulse("build", "--as-of", "2025-04-02T12:00:00Z", "--full-refresh")

    landing = tmp_path / "landing.duckdb"
    landing.rename(tmp_path / "landing-1.duckdb")
    p.pulse("load", "--raw", str(p.raw))
    p.pulse("build", "--as-of", "2025-04-02T13:00:00Z")
    require_incremental(p.last_build_was_incremental())

    landing.rename(tmp_path / "landing-2.duckdb")
    for entity in ("tickets", "ticket_events"):  # T03 and its events (T03-01, ...) gone
        path = p.raw / entity / "batch.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(x for x in lines if not x.startswith("T03")), encoding="utf-8")
    p.pulse("load", "--raw", str(p.raw))
    said = p.pulse("build", "--as-of", "2025-04-02T14:00:00Z")
    assert not p.last_build_was_incremental()
    assert "the landing database is not the one the published build read" in said, said
    marts = p.snapshot()
    assert "T01" in {row[0] for row in marts["main.fct_tickets"]}
    for table in ("main.fct_tickets", "main.fct_sla_outcomes"):
        assert "T03" not in {row[0] for row in marts[table]}, table
    assert all(row[1] != "T03" for row in marts["main.fct_ticket_events"])


def compiled_test(pipeline: Pipeline, name: str) -> str:
    """The SQL dbt compiled for data test `name` in the last build."""
    (path,) = (pipeline.data_dir / "dbt" / "target" / "compiled").rglob(f"{name}.sql")
    return path.read_text(encoding="utf-8")


def failures_with_planted_rows(
    pipeline: Pipeline,
    tmp_path: Path,
    sql: str,
    plant: list[str],
    measure: str = "count(*)",
    *,
    with_landing: bool = False,
) -> int:
    """Rows test `sql` returns (or `measure` over them) on a copy of the published warehouse
    after `plant` ran on it (the compiled SQL names the build file's catalog, so the copy
    is attached as it); `with_landing` attaches a copy of the landing database too, as
    `landing`, for tests of the staging views."""
    catalog = re.search(r'"([^"]+)"\."(?:main|intermediate|staging)"\.', sql)
    assert catalog, sql
    copy = tmp_path / "planted.duckdb"
    shutil.copyfile(pipeline.warehouse, copy)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{copy}' as \"{catalog.group(1)}\"")
        if with_landing:
            landing = tmp_path / "planted-landing.duckdb"
            shutil.copyfile(pipeline.data_dir / "landing.duckdb", landing)
            con.execute(f"attach '{landing}' as landing")
        con.execute(f'use "{catalog.group(1)}"')
        for statement in plant:
            con.execute(statement)
        return con.execute(f"select {measure} from ({sql}) as failing").fetchone()[0]
    finally:
        con.close()


def test_incremental_key_tests_read_the_changed_rows(pipeline: Pipeline, tmp_path: Path) -> None:
    """On an incremental build the key tests of the carrying models read the recomputed
    tickets' rows (a key without ticket_id: every row sharing a key with them), the
    column checks read every row (macros/incremental_tests.sql)."""
    (pipeline.raw / "ticket_events" / "batch4.csv").write_text(
        "event_id,ticket_id,event_at,event_type,actor_id,actor_role,is_public,from_value,"
        "to_value\nT14-04,T14,2025-04-06 13:00:00,comment,E3,agent,true,,\n",
        encoding="utf-8",
    )
    pipeline.pulse("load", "--raw", str(pipeline.raw))
    pipeline.pulse("build", "--as-of", "2025-04-07T12:00:00Z")
    require_incremental(pipeline.last_build_was_incremental())
    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
    try:
        recomputed = {
            r[0]
            for r in con.execute(
                "select ticket_id from intermediate.int_sla_recomputed_tickets"
            ).fetchall()
        }
    finally:
        con.close()
    # T14 got an event; T05 (solved 2025-03, no change since) is carried
    assert "T14" in recomputed and "T05" not in recomputed

    def failing(sql: str, *plant: str) -> int:
        return failures_with_planted_rows(pipeline, tmp_path, sql, list(plant))

    def copy_of(table: str, ticket: str) -> str:
        return f"insert into {table} select * from {table} where ticket_id = '{ticket}'"

    unique_ticket = compiled_test(pipeline, "unique_fct_tickets_ticket_id")
    # a second row of a recomputed ticket fails the test; of a carried one, it is not read
    assert failing(unique_ticket, copy_of("main.fct_tickets", "T14")) == 1
    assert failing(unique_ticket, copy_of("main.fct_tickets", "T05")) == 0

    unique_event = compiled_test(pipeline, "unique_fct_ticket_events_event_id")
    # a carried ticket's row that takes a recomputed ticket's event id is caught
    clash = (
        "insert into main.fct_ticket_events by name select * replace ("
        "(select min(event_id) from main.fct_ticket_events where ticket_id = 'T14') as event_id)"
        " from main.fct_ticket_events where ticket_id = 'T05' limit 1"
    )
    assert failing(unique_event, clash) == 1

    # the column checks are the whole-table invariants: a carried ticket's null is seen,
    # one failing row per column with nulls (pulse_not_null checks them in one pass)
    not_null = compiled_test(pipeline, "pulse_not_null_fct_tickets")
    assert "int_sla_recomputed_tickets" not in not_null
    null_account = "update main.fct_tickets set account_id = null where ticket_id = 'T05'"
    assert failing(not_null, null_account) == 1
    null_fcr = "update main.fct_tickets set is_fcr = null where ticket_id in ('T05', 'T14')"
    assert failing(not_null, null_account, null_fcr) == 2
    assert failing(not_null) == 0

    # the value checks too (pulse_column_values): one failing row per column and check,
    # its bad_rows counting the cells; a null passes them
    values = compiled_test(pipeline, "pulse_column_values_fct_tickets")
    assert "int_sla_recomputed_tickets" not in values
    gold = "update main.fct_tickets set support_tier = 'gold' where ticket_id in ('T05', 'T14')"
    negative = "update main.fct_tickets set resolution_minutes = -1 where ticket_id = 'T05'"
    assert failing(values, gold) == 1
    assert failing(values, gold, negative) == 2
    assert (
        failures_with_planted_rows(pipeline, tmp_path, values, [gold, negative], "sum(bad_rows)")
        == 3
    )
    assert failing(values, "update main.fct_tickets set resolution_minutes = null") == 0
    assert failing(values) == 0
    # a range, 1-5 inclusive; a null score (a binary rating) passes
    scores = compiled_test(pipeline, "pulse_column_values_fct_csat_responses")

    def response(score: str) -> str:
        return (
            "insert into main.fct_csat_responses by name "
            f"select 'R{score}' as response_id, {score} as score"
        )

    assert failing(scores, response("1"), response("5"), response("null")) == 0
    assert failing(scores, response("6")) == 1
    assert (
        failures_with_planted_rows(
            pipeline, tmp_path, scores, [response("0"), response("6")], "sum(bad_rows)"
        )
        == 2
    )


def test_incremental_key_tests_of_staging_and_event_models_read_the_new_rows(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    """The models the changed-ticket set is computed from have key tests of their own
    that follow the change (macros/incremental_tests.sql): the event models' read the
    rows this build wrote (the newest built_as_of), the staging views' the rows of
    batches newer than the previous build, each by a semi-join on the key, so a new
    row clashing with an old one is caught. Run after the build of batch 4 (one event
    for T14), on copies of the published warehouse and of the landing database."""
    require_incremental(pipeline.last_build_was_incremental())

    intervals_sql = compiled_test(pipeline, "unique_int_ticket_status_intervals_opened_by_event_id")
    assert "max(written.built_as_of)" in intervals_sql

    def intervals_failing(*plant: str) -> int:
        return failures_with_planted_rows(pipeline, tmp_path, intervals_sql, list(plant))

    def interval_copy(ticket: str, event_of: str | None = None) -> str:
        event = (
            f"(select min(opened_by_event_id) from intermediate.int_ticket_status_intervals "
            f"where ticket_id = '{event_of}')"
            if event_of
            else "opened_by_event_id"
        )
        return (
            "insert into intermediate.int_ticket_status_intervals by name select * replace "
            f"({event} as opened_by_event_id) from intermediate.int_ticket_status_intervals "
            f"where ticket_id = '{ticket}' limit 1"
        )

    assert intervals_failing() == 0
    assert intervals_failing(interval_copy("T14")) == 1  # among the rows written now
    assert intervals_failing(interval_copy("T05")) == 0  # two old rows: checked before
    assert intervals_failing(interval_copy("T05", event_of="T14")) == 1  # old against new

    events_sql = compiled_test(pipeline, "unique_stg_helpdesk__ticket_events_event_id")
    assert "source_batch_id >" in events_sql and "int_sla_recomputed_tickets" in events_sql
    # the watermark the test reads is the previous build's (its tests run before the
    # set is rebuilt): put it back on the copy, behind batch 4
    previous_watermark = (
        "update intermediate.int_sla_recomputed_tickets set built_through_batch_id = "
        "(select max(_batch_id) from landing.raw.ticket_events) - 1"
    )

    def events_failing(*plant: str) -> int:
        return failures_with_planted_rows(
            pipeline, tmp_path, events_sql, [previous_watermark, *plant], with_landing=True
        )

    def event_copy(event_id: str, new_id: str | None = None) -> str:
        renamed = f"'{new_id}'" if new_id else "event_id"
        return (
            "insert into landing.raw.ticket_events by name select * replace "
            f"({renamed} as event_id) from landing.raw.ticket_events "
            f"where event_id = '{event_id}'"
        )

    assert events_failing() == 0
    assert events_failing(event_copy("T14-04")) == 1  # twice in batch 4
    assert events_failing(event_copy("T05-01")) == 0  # old rows: checked before
    assert events_failing(event_copy("T05-01", new_id="T14-04")) == 1  # old against new


def stats_row(snapshot: dict[str, list[tuple]], key: str) -> tuple | None:
    """The fct_sla_elapsed_stats_periods row of key period_kind|label|tier|metric."""
    rows = {row[0]: row for row in snapshot["main.fct_sla_elapsed_stats_periods"]}
    return rows.get(key)


def test_a_ticket_whose_clocks_all_move_to_a_later_week_leaves_its_old_week(
    pipeline: Pipeline,
) -> None:
    """The period statistics carry every period no changed clock touches. T08 (created
    and solved on 25 March, week 13) comes again with its creation and events a
    fortnight later (a corrected export): none of its new outcomes is in week 13, yet
    week 13 must lose its two clocks, which only its old outcomes tell."""
    before = pipeline.snapshot()
    week_13 = "iso_week|2025-W13|all|resolution"
    assert stats_row(before, week_13) is not None
    (pipeline.raw / "tickets" / "batch5.csv").write_text(
        "ticket_id,created_at,updated_at,account_id,requester_id,channel,priority,status,"
        "type,product_area,group_name,assignee_id,language,subject,is_proactive\n"
        "T08,2025-04-08 10:00:00,2025-04-08 16:00:00,ACC3,C3,phone,critical,solved,"
        "incident,compute,tier1,E3,ru,Raised,false\n",
        encoding="utf-8",
    )
    (pipeline.raw / "ticket_events" / "batch5.csv").write_text(
        "event_id,ticket_id,event_at,event_type,actor_id,actor_role,is_public,from_value,"
        "to_value\n"
        "T08-01,T08,2025-04-08 10:00:00,created,C3,customer,,,\n"
        "T08-02,T08,2025-04-08 10:00:00,assigned,,system,,,E3\n"
        "T08-03,T08,2025-04-08 10:30:00,comment,E3,agent,true,,\n"
        "T08-04,T08,2025-04-08 10:30:00,status_changed,E3,agent,,new,open\n"
        "T08-05,T08,2025-04-08 11:00:00,priority_changed,E3,agent,,low,critical\n"
        "T08-06,T08,2025-04-08 16:00:00,status_changed,E3,agent,,open,solved\n",
        encoding="utf-8",
    )
    pipeline.pulse("load", "--raw", str(pipeline.raw))
    incremental, _ = incremental_equals_full_rebuild(pipeline, "2025-04-09T12:00:00Z")
    outcomes = {(r[0], r[1]): r for r in incremental["main.fct_sla_outcomes"]}
    assert str(outcomes[("T08", "resolution")][8]).startswith("2025-04-08")  # completed_at
    # week 13 lost T08's resolution clock (completed_count is column 6)
    old_count = stats_row(before, week_13)[6]
    new_row = stats_row(incremental, week_13)
    assert (new_row[6] if new_row else 0) == old_count - 1
    assert stats_row(incremental, "iso_week|2025-W15|all|resolution")[6] >= 1
