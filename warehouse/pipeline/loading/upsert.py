"""Keep one row per key in `raw.<entity>`: set-based upsert of a checked batch.

Which row wins for a key (DESIGN s3): the one with the latest version column
(`updated_at`); on a tie, or for entities without a version column, the later batch,
then the later line in the batch. The raw tables carry no index: the upsert is a hash
join on the key (delete the rows the batch beats, insert the batch rows nothing beats),
which DuckDB runs in one pass over the table with no per-row work.
"""

from __future__ import annotations

import duckdb

from warehouse.core.contract import LINEAGE_COLUMNS, Entity
from warehouse.pipeline.loading.validation import CHECKED

WINNERS = "pulse_winners"
CLASH = "pulse_clash"


def _key_match(entity: Entity, left: str, right: str) -> str:
    return " and ".join(f"{left}.{k} = {right}.{k}" for k in entity.key)


def upsert_batch(
    con: duckdb.DuckDBPyConnection, entity: Entity, *, batch_id: int, file_name: str
) -> int:
    """Land the good rows of `pulse_checked` into raw.<entity>; returns how many were good.

    Must run inside the batch's transaction. Rows beaten by another row of the same key
    (in this batch or already landed) count as landed: they were accepted, then superseded.
    """
    columns = [*entity.column_names, *(name for name, _ in LINEAGE_COLUMNS)]
    select_cols = ", ".join(
        [
            *(f"c.{n}" for n in entity.column_names),
            "?::bigint as _batch_id",
            "?::varchar as _file_name",
            "c._line as _line_number",
            "c._extra as _extra",
        ]
    )
    keys = ", ".join(f"c.{k}" for k in entity.key)
    order = "c._line desc"
    if entity.version_column:
        order = f"c.{entity.version_column} desc, {order}"
    good = con.execute(f"select count(*) from {CHECKED} where _reason is null").fetchone()[0]
    if good == 0:
        return 0
    distinct = con.execute(
        f"select count(*) from (select distinct {keys} from {CHECKED} c where _reason is null)"
    ).fetchone()[0]
    con.execute(f"drop table if exists {WINNERS}")
    if distinct == good:
        source = f"(select {select_cols} from {CHECKED} c where c._reason is null)"
    else:
        # Duplicate keys inside the batch: keep the winner of each key.
        source = (
            f"(select {select_cols} from {CHECKED} c where c._reason is null "
            f"qualify row_number() over (partition by {keys} order by {order}) = 1)"
        )
    target = f"raw.{entity.name}"
    col_list = ", ".join(columns)
    empty = not con.execute(f"select exists (select 1 from {target})").fetchone()[0]
    if empty:
        con.execute(
            f"insert into {target} ({col_list}) select * from {source}", [batch_id, file_name]
        )
        return good
    con.execute(f"create temp table {WINNERS} as select * from {source}", [batch_id, file_name])
    # One probe of the target: which landed rows share a key with the batch, and does
    # the landed row win (a later version)? DuckDB pushes the batch's key range into
    # the scan, so a batch of new keys skips most of a large table.
    v = entity.version_column
    keep = f"t.{v} > w.{v}" if v else "false"
    con.execute(f"drop table if exists {CLASH}")
    con.execute(
        f"""
        create temp table {CLASH} as
        select t.rowid as _rid, {", ".join(f"w.{k}" for k in entity.key)}, {keep} as _keep
        from {target} t join {WINNERS} w on {_key_match(entity, "t", "w")}
        """
    )
    clashes = con.execute(f"select count(*) from {CLASH}").fetchone()[0]
    if clashes == 0:
        con.execute(f"insert into {target} ({col_list}) select * from {WINNERS}")
    else:
        con.execute(
            f"delete from {target} where rowid in (select _rid from {CLASH} where not _keep)"
        )
        con.execute(
            f"""
            insert into {target} ({col_list})
            select w.* from {WINNERS} w
            where not exists (
                select 1 from {CLASH} c where c._keep and {_key_match(entity, "c", "w")}
            )
            """
        )
    con.execute(f"drop table if exists {CLASH}")
    con.execute(f"drop table if exists {WINNERS}")
    return good
