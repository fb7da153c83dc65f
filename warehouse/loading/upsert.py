"""Keep one row per key in `raw.<entity>`: set-based upsert of a checked batch.

Which row wins for a key (DESIGN s3): the one with the latest version column
(`updated_at`); on a tie, or for entities without a version column, the later batch,
then the later line in the batch. The raw tables carry no index: the upsert is a hash
join on the key (delete the rows the batch beats, insert the batch rows nothing beats),
which DuckDB runs in one pass over the table with no per-row work.
"""

from __future__ import annotations

import duckdb

from warehouse.contract import LINEAGE_COLUMNS, Entity
from warehouse.loading.validation import CHECKED

WINNERS = "pulse_winners"


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
    beats = ""
    if entity.version_column:
        v = entity.version_column
        beats = f" and t.{v} <= w.{v}"
    con.execute(
        f"delete from {target} t using {WINNERS} w where {_key_match(entity, 't', 'w')}{beats}"
    )
    con.execute(
        f"""
        insert into {target} ({col_list})
        select w.* from {WINNERS} w
        where not exists (select 1 from {target} t where {_key_match(entity, "t", "w")})
        """
    )
    con.execute(f"drop table if exists {WINNERS}")
    return good
