"""Load manifest, rejects, orphans, freshness and test results for the data quality page."""

from __future__ import annotations

from typing import Any

import polars as pl

from dashboard import access
from dashboard.data.connection import Session, _columns, _df, _first, _has_table, _run


def quality(settings: Any, viewer: Any) -> dict[str, Any]:
    """Load manifest, rejects by reason, latest rejects, orphans, freshness, dbt tests.

    `reject_rows.raw_row` and `batches.error` are null where the viewer may not read
    the raw content of that entity's rows (personal entities for anyone but the VP).
    """

    def q(sess: Session) -> dict[str, Any]:
        out: dict[str, Any] = {}

        def table(name: str) -> str | None:
            for cand in (name, name.replace("fct_dq_", "stg_loader__")):
                if _has_table(sess, cand):
                    return cand
            return None

        manifest = table("fct_dq_load_manifest")
        out["batches"] = (
            _df(
                sess,
                f"select entity, file_name, rows_read, rows_landed, rows_rejected, status, "
                f"error_message as error, loaded_at, "
                f"rows_read = rows_landed + rows_rejected as is_reconciled "
                f"from main.{manifest} order by loaded_at desc, entity limit 500",
            )
            if manifest
            else None
        )
        rejects = table("fct_dq_load_rejects")
        if rejects:
            out["reasons"] = _df(
                sess,
                f"select entity, reason, count(*) as n from main.{rejects} "
                "group by all order by n desc limit 100",
            )
            out["reject_rows"] = _df(
                sess,
                f"select entity, file_name, line_number, reason, raw_row from main.{rejects} "
                "order by file_name desc, line_number limit 200",
            )
        else:
            out["reasons"] = out["reject_rows"] = None
        orphans = table("fct_dq_orphan_events")
        if orphans:
            ocols = _columns(sess, orphans)
            pick = [
                c
                for c in (
                    "event_id",
                    "ticket_id",
                    "event_at",
                    "event_type",
                    "actor_role",
                    "source_batch_id",
                )
                if c in ocols
            ]
            out["orphans"] = (
                _df(sess, f"select {', '.join(pick)} from main.{orphans} limit 200")
                if pick
                else None
            )
            row = _first(sess.con.execute(f"select count(*) from main.{orphans}").fetchall())
            out["orphan_count"] = int(row[0]) if row else 0
        else:
            out["orphans"], out["orphan_count"] = None, None
        fresh = table("fct_dq_source_freshness")
        out["freshness"] = (
            _df(
                sess,
                f"select source_name, table_name, row_count, max_timestamp, last_loaded_at, "
                f"loaded_batches, lag_hours from main.{fresh} order by lag_hours desc nulls first",
            )
            if fresh
            else None
        )
        if _has_table(sess, "pulse_build_tests"):
            out["tests"] = _df(
                sess,
                "select node, status, failures, message from main.pulse_build_tests "
                "order by (status = 'pass'), node",
            )
        else:
            out["tests"] = None
        return out

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
