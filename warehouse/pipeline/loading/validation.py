"""Type and check every row of a staged batch against the contract in one SQL pass.

`check_batch` turns the all-text staging table into `pulse_checked`: the contract
columns typed as in `raw.<entity>`, `_line`, `_extra` (JSON of the columns outside the
contract), `_reason` (NULL for a good row, else every problem of the row joined by
'; ') and `_raw_row` (the row as read, as a JSON object; only for rejected rows).
Everything is set-based SQL over the whole batch; no Python runs per row. Text from the
file only ever reaches DuckDB as a bound parameter or as column data.

Parsing rules (DESIGN s3):
- surrounding spaces are ignored when parsing typed values; text values are kept as
  they are, and an empty or all-space value is NULL (or the contract default);
- timestamps are ISO-8601 (`T` or space, optional seconds and fraction); with `Z` or an
  offset they are exact, without they are in the source time zone; stored UTC naive;
- booleans true/false, 1/0, yes/no in any case; enumerations in any case, aliases
  resolved, stored lower case (upper case for currencies);
- numbers accept a decimal comma (Russian Excel) and no thousands separators.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.core.contract import (
    BOOLEAN,
    CLOCK_SKEW_ALLOWANCE_SECONDS,
    DATE,
    DECIMAL,
    ENUM,
    INTEGER,
    MONTH,
    NUMBER,
    PERIOD,
    TEXT,
    TIMESTAMP,
    WAVE,
    Column,
    Entity,
)
from warehouse.pipeline.loading.readers import FileRefused, Staged

CHECKED = "pulse_checked"

# Checked with regexp_full_match (no capture groups: extracting groups is 3x slower).
_TS_PATTERN = (
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
    r" ?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?"
)
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}(?:[T ]00:00(?::00(?:\.0+)?)?)?$"
_MONTH_PATTERN = r"^\d{4}-(?:0[1-9]|1[0-2])(?:-01)?$"
_PERIOD_PATTERN = r"^\d{4}-(?:(?:0[1-9]|1[0-2])|Q[1-4])$"
_WAVE_PATTERN = r"^\d{4}-Q[1-4]$"
_INT_PATTERN = r"^[+-]?\d+(?:\.0*)?$"
_NUM_PATTERN = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


@dataclass
class CheckResult:
    rows: int
    rejected: int
    orphans: int  # ticket events whose ticket is not (yet) in raw.tickets, landed anyway


def _lit(value: str) -> str:
    """A SQL string literal for a contract constant (never for file content)."""
    return "'" + value.replace("'", "''") + "'"


def _num_lit(value: float) -> str:
    return repr(float(value)) if value != int(value) else str(int(value))


class _Builder:
    """Collects SQL fragments and their bound parameters in order."""

    def __init__(self) -> None:
        self.params: list[object] = []

    def param(self, value: object) -> str:
        self.params.append(value)
        return "?"


def _pre_exprs(col: Column, src: str | None) -> list[str]:
    """Per-column values computed once in a first pass: the text without surrounding
    spaces. Only spaces: trimming a set of characters costs twice as much, and a tab or
    a no-break space around a typed value makes it unparseable, which is reported."""
    trimmed = "cast(null as varchar)" if src is None else f"nullif(trim({src}), '')"
    if col.default is not None:
        trimmed = f"coalesce({trimmed}, {_lit(col.default)})"
    return [f"{trimmed} as _t_{col.name}"]


def _parse_expr(col: Column, src: str | None, tz_param: str) -> tuple[str, str]:
    """(typed value expression, 'value present' expression) for one contract column."""
    t = f"_t_{col.name}"
    kind = col.kind
    if kind == TEXT:
        value = (
            "cast(null as varchar)"
            if src is None
            else f"case when {t} is null then null else {src} end"
        )
        return value, f"({t} is not null)"
    if kind == TIMESTAMP:
        # Once the whole value matches the ISO pattern, anything after the date (10
        # characters) that is a sign or a final Z is an offset: the value is exact.
        exact = f"regexp_matches(substr({t}, 11), '[+-]|[Zz]$')"
        offset_form = f"replace(replace(replace({t}, 'z', 'Z'), ' +', '+'), ' -', '-')"
        value = (
            f"case when not regexp_full_match({t}, '{_TS_PATTERN}') then null "
            f"when {exact} then timezone('UTC', try_cast({offset_form} as timestamptz)) "
            f"else timezone('UTC', timezone({tz_param}, try_cast({t} as timestamp))) end"
        )
    elif kind == DATE:
        value = (
            f"case when regexp_full_match({t}, '{_DATE_PATTERN}') "
            f"then try_cast(left({t}, 10) as date) end"
        )
    elif kind == MONTH:
        value = (
            f"case when regexp_full_match({t}, '{_MONTH_PATTERN}') "
            f"then try_cast(left({t}, 7) || '-01' as date) end"
        )
    elif kind == PERIOD:
        value = f"case when regexp_full_match(upper({t}), '{_PERIOD_PATTERN}') then upper({t}) end"
    elif kind == WAVE:
        value = f"case when regexp_full_match(upper({t}), '{_WAVE_PATTERN}') then upper({t}) end"
    elif kind == BOOLEAN:
        value = (
            f"case when lower({t}) in ('true', '1', 'yes') then true "
            f"when lower({t}) in ('false', '0', 'no') then false end"
        )
    elif kind == INTEGER:
        value = (
            f"case when regexp_full_match({t}, '{_INT_PATTERN}') "
            f"then try_cast(regexp_replace({t}, '\\.0*$', '') as integer) end"
        )
    elif kind in (DECIMAL, NUMBER):
        num = (
            f"(case when {t} like '%,%' and {t} not like '%.%' "
            f"then replace({t}, ',', '.') else {t} end)"
        )
        target = "decimal(18,2)" if kind == DECIMAL else "double"
        value = (
            f"case when regexp_full_match({num}, '{_NUM_PATTERN}') "
            f"then coalesce(try_cast({num} as {target}), "
            f"try_cast(try_cast({num} as double) as {target})) end"
        )
    elif kind == ENUM:
        lowered = f"lower({t})"
        if col.aliases:
            whens = " ".join(f"when {_lit(a)} then {_lit(v)}" for a, v in col.aliases.items())
            lowered = f"(case {lowered} {whens} else {lowered} end)"
        allowed = ", ".join(_lit(v) for v in col.values)
        value = f"case when {lowered} in ({allowed}) then {lowered} end"
        if col.upper_case:
            value = f"upper({value})"
    else:  # pragma: no cover - contract kinds are closed
        raise ValueError(kind)
    return f"cast({value} as {col.duckdb_type})", f"({t} is not null)"


_KIND_PROBLEM = {
    TIMESTAMP: "not an ISO-8601 timestamp",
    DATE: "not a date (YYYY-MM-DD)",
    MONTH: "not a month (YYYY-MM)",
    PERIOD: "not a period (YYYY-MM or YYYY-Qn)",
    WAVE: "not a survey wave (YYYY-Qn)",
    BOOLEAN: "not a boolean (true/false, 1/0, yes/no)",
    INTEGER: "not a whole number",
    DECIMAL: "not a number",
    NUMBER: "not a number",
    ENUM: "unknown value",
}


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def required_columns_missing(entity: Entity, header: list[str]) -> list[str]:
    present = {h.lower() for h in header}
    missing = [c for c in entity.required_columns if c not in present]
    # a group of alternatives (score or rating) needs one of its columns
    missing += [" or ".join(g) for g in entity.one_of if not present.intersection(g)]
    return missing


def check_batch(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    staged: Staged,
    *,
    timezone: str,
) -> CheckResult:
    """Create `pulse_checked` from the staged batch; FileRefused if a required column is missing."""
    missing = required_columns_missing(entity, staged.header)
    if missing:
        raise FileRefused(
            "misses the required column"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(missing)
            + f" (the header has: {_printable(', '.join(staged.header))[:300]})"
        )
    position = {h.lower(): i for i, h in enumerate(staged.header)}
    contract = set(entity.column_names)
    extras = [(h, i) for i, h in enumerate(staged.header) if h.lower() not in contract]

    b = _Builder()
    pre: list[str] = []
    parsed: list[str] = []
    checks: list[str] = []
    for col in entity.columns:
        i = position.get(col.name)
        src = f"c{i}" if i is not None else None
        tz_param = b.param(timezone) if col.kind == TIMESTAMP else ""
        pre += _pre_exprs(col, src)
        value, present = _parse_expr(col, src, tz_param)
        parsed.append(f"{value} as {col.name}, {present} as _has_{col.name}")
        is_key = col.name in entity.key
        if col.required:
            what = "missing key" if is_key else "missing required value"
            checks.append(f"case when not p._has_{col.name} then '{col.name}: {what}' end")
        if col.kind != TEXT:
            problem = _KIND_PROBLEM[col.kind]
            if col.kind == ENUM:
                expected = (
                    col.values if not col.upper_case else tuple(v.upper() for v in col.values)
                )
                problem += f" (expected {', '.join(expected)})"
            checks.append(
                f"case when p._has_{col.name} and p.{col.name} is null "
                f"then {_lit(col.name + ': ' + problem)} end"
            )
        if col.min_value is not None or col.max_value is not None:
            lo, hi = col.min_value, col.max_value
            conds = []
            if lo is not None:
                conds.append(f"p.{col.name} < {_num_lit(lo)}")
            if hi is not None:
                conds.append(f"p.{col.name} > {_num_lit(hi)}")
            if lo == 0 and hi is None:
                problem = "negative amount"
            else:
                low = _num_lit(lo) if lo is not None else ""
                high = _num_lit(hi) if hi is not None else ""
                problem = f"out of range {low}..{high}"
            checks.append(f"case when {' or '.join(conds)} then '{col.name}: {problem}' end")

    for group in entity.one_of:
        # Of the alternatives, only those the file has can be filled: with one of them
        # the file reads like any required column ("score: missing required value").
        given = [name for name in group if name in position]
        has_any = " or ".join(f"p._has_{name}" for name in given)
        what = (
            f"{given[0]}: missing required value"
            if len(given) == 1
            else f"{' or '.join(given)}: one of them is required"
        )
        checks.append(f"case when not ({has_any}) then {_lit(what)} end")

    extra_sql = "cast(null as varchar)"
    if extras:
        pairs = ", ".join(f"?, c{i}" for _, i in extras)
        extra_sql = f"cast(json_object({pairs}) as varchar)"
        extra_params = [h for h, _ in extras]
    else:
        extra_params = []
    raw_pairs = ", ".join(f"?, c{i}" for i in range(len(staged.header)))
    raw_params = list(staged.header)

    join = ""
    orphan = "false"
    if entity.name == "ticket_events":
        join = "left join raw.tickets tk on tk.ticket_id = p.ticket_id"
        orphan = "(p.ticket_id is not null and tk.ticket_id is null)"
        checks.append(
            "case when p.event_at < tk.created_at - interval "
            f"{CLOCK_SKEW_ALLOWANCE_SECONDS} second then 'event_at: before its ticket was "
            f"created (by more than {CLOCK_SKEW_ALLOWANCE_SECONDS} s)' end"
        )
    wave_params: list[object] = []
    select_cols = []
    for c in entity.columns:
        if entity.name == "nps_responses" and c.name == "wave":
            # An empty wave is the quarter of responded_at in the source time zone.
            local = "timezone(?, timezone('UTC', p.responded_at))"
            wave_params += [timezone, timezone]
            quarter = f"year({local})::varchar || '-Q' || quarter({local})::varchar"
            select_cols.append(f"coalesce(p.wave, {quarter}) as wave")
        else:
            select_cols.append(f"p.{c.name}")
    reason = f"nullif(concat_ws('; ', {', '.join(checks)}), '')"
    # The raw row as JSON is built only for rejected rows (CASE evaluates its branch
    # for the matching rows only): the raw text columns ride along until then.
    raw_cols = [f"c{i}" for i in range(len(staged.header))]
    raw_sql = f"cast(json_object({raw_pairs}) as varchar)" if raw_cols else "'{}'"
    carry = "".join(f", {c}" for c in raw_cols)
    carry_p = "".join(f", p.{c}" for c in raw_cols)
    drop = f" exclude ({', '.join(raw_cols)})" if raw_cols else ""
    sql = f"""
        create temp table {CHECKED} as
        with s as (
            select *, {", ".join(pre)} from {staged.table}
        ),
        p as (
            select {", ".join(parsed)}, _line, {extra_sql} as _extra{carry}
            from s
        ),
        r as (
            select {", ".join(select_cols)}, p._line, p._extra, {orphan} as _orphan,
                   {reason} as _reason{carry_p}
            from p {join}
        )
        select *{drop}, case when _reason is not null then {raw_sql} end as _raw_row from r
    """
    # Parameters in the order they appear in the text.
    params = b.params + extra_params + wave_params + raw_params
    con.execute(f"drop table if exists {CHECKED}")
    con.execute(sql, params)
    rows, rejected, orphans = con.execute(
        f"""
        select count(*), count(_reason), count(*) filter (where _orphan and _reason is null)
        from {CHECKED}
        """
    ).fetchone()
    return CheckResult(rows, rejected, orphans)
