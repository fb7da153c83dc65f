"""Load manifest, rejects, orphans, freshness and test results for the data quality page."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard import access
from dashboard.data.connection import Session, _df, _run


def quality(settings: Any, viewer: Any) -> dict[str, Any]:
    """Load manifest, its totals, rejects by reason, latest rejects, orphans, freshness,
    dbt tests: the data-quality marts and the build's test results, read as they are.
    `totals` is fct_dq_load_totals' one row (every batch; `batches` lists the newest 500).

    `reject_rows.raw_row` and `batches.error` are null where the viewer may not read
    the raw content of that entity's rows (personal entities for anyone but the VP).
    """

    def q(sess: Session) -> dict[str, Any]:
        totals = _df(
            sess,
            "select batch_count, rows_read, rows_landed, rows_rejected, failed_batch_count, "
            "unreconciled_batch_count, orphan_event_count from main.fct_dq_load_totals",
        )
        return {
            "totals": totals.row(0, named=True) if totals.height else None,
            "batches": _df(
                sess,
                "select entity, file_name, rows_read, rows_landed, rows_rejected, status, "
                "error_message as error, loaded_at, is_reconciled "
                "from main.fct_dq_load_manifest order by loaded_at desc, entity limit 500",
            ),
            "reasons": _df(
                sess,
                "select entity, reason, reject_count as n from main.fct_dq_reject_reasons "
                "order by n desc, entity, reason limit 100",
            ),
            "reject_rows": _df(
                sess,
                "select entity, file_name, line_number, reason, raw_row "
                "from main.fct_dq_load_rejects order by file_name desc, line_number limit 200",
            ),
            "orphans": _df(
                sess,
                "select event_id, ticket_id, event_at, event_type, actor_role, "
                "source_batch_id from main.fct_dq_orphan_events limit 200",
            ),
            "orphan_count": int(totals["orphan_event_count"][0]) if totals.height else 0,
            "freshness": _df(
                sess,
                "select source_name, table_name, row_count, max_timestamp, last_loaded_at, "
                "loaded_batches, lag_hours from main.fct_dq_source_freshness "
                "order by lag_hours desc nulls first",
            ),
            "tests": _df(
                sess,
                "select node, status, failures, message from main.pulse_build_tests "
                "order by (status = 'pass'), node",
            ),
        }

    result = dict(_run(settings, "quality", (), "all", q))
    # Raw content of personal entities' rejected rows, and the file-level errors of
    # their batches (which may quote a line or a header that is really data): the VP
    # only. Everyone else keeps entity, file, line, reason and the counts.
    for part, column in (("reject_rows", "raw_row"), ("batches", "error")):
        frame = result.get(part)
        if frame is None or not frame.height:
            continue
        entities = frame["entity"].unique().to_list()
        shown = [e for e in entities if access.may_see_raw_rejects(viewer, e)]
        result[part] = frame.with_columns(
            pl.when(pl.col("entity").is_in(shown))
            .then(pl.col(column))
            .otherwise(pl.lit(None, dtype=pl.Utf8))
            .alias(column)
        )
    return result
