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
- numbers accept a decimal comma (Russian Excel) and no thousands separators; whole
  numbers may be written `4.0` or `4,0`; a number too large for its column is "out of
  range", and an amount with more than two decimals is rejected rather than rounded;
- timestamps and dates must be plausible: between `PULSE_TIMESTAMP_MIN` (default
  1990-01-01) and `PULSE_TIMESTAMP_MAX` (default 2100-01-01, exclusive), with a UTC
  offset within +-14:00 (the widest on Earth);
- identifiers (text columns named `*_id`, and the ids events carry in from_value /
  to_value) are stored without surrounding whitespace (spaces, tabs, no-break spaces),
  in their case as written: see `IDENTIFIER_TRIM`;
- a value holding a control character (C0 except tab, CR, LF; or DEL) is not text: the
  row is rejected, checked only when the file's byte scan found one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

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
from warehouse.pipeline.loading.readers import FileRefused, Staged, safe_excerpt

CHECKED = "pulse_checked"

# Checked with regexp_full_match (no capture groups: extracting groups is 3x slower).
_TS_BODY = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
# Offsets up to +-14:00 (the widest in use); the loose form only names the problem.
_TS_PATTERN = _TS_BODY + r" ?(?:Z|z|[+-](?:0\d|1[0-3])(?::?[0-5]\d)?|[+-]14(?::?00)?)?"
_TS_LOOSE = _TS_BODY + r" ?[+-]\d{2}(?::?\d{2})?"
_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}(?:[T ]00:00(?::00(?:\.0+)?)?)?$"
_MONTH_PATTERN = r"^\d{4}-(?:0[1-9]|1[0-2])(?:-01)?$"
_PERIOD_PATTERN = r"^\d{4}-(?:(?:0[1-9]|1[0-2])|Q[1-4])$"
_WAVE_PATTERN = r"^\d{4}-Q[1-4]$"
_INT_PATTERN = r"^[+-]?\d+(?:[.,]0*)?$"
_NUM_PATTERN = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


# The bytes the reader's scan calls control characters, as an RE2 class.
_CONTROL_CLASS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# Characters stripped around identifiers: space, tab, CR, LF, no-break space, BOM.
IDENTIFIER_TRIM = " \t\r\n\u00a0\ufeff"
DEFAULT_TIMESTAMP_MIN = "1990-01-01"
DEFAULT_TIMESTAMP_MAX = "2100-01-01"


def plausible_range() -> tuple[date, date]:
    """[min, max) for timestamps and dates, from PULSE_TIMESTAMP_MIN / _MAX.

    ValueError (said as one sentence) when a bound is not a date or the range is empty.
    """
    bounds = []
    for name, default in (
        ("PULSE_TIMESTAMP_MIN", DEFAULT_TIMESTAMP_MIN),
        ("PULSE_TIMESTAMP_MAX", DEFAULT_TIMESTAMP_MAX),
    ):
        raw = os.environ.get(name, "").strip() or default
        try:
            bounds.append(date.fromisoformat(raw))
        except ValueError:
            raise ValueError(f"{name} must be a date such as {default}, not {raw!r}") from None
    if bounds[0] >= bounds[1]:
        raise ValueError("PULSE_TIMESTAMP_MIN must be earlier than PULSE_TIMESTAMP_MAX")
    return bounds[0], bounds[1]


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


def _pre_exprs(col: Column, src: str | None, wide_space: bool) -> list[str]:
    """Per-column values computed once in a first pass: the text without surrounding
    spaces. Only spaces for typed values: trimming a set of characters costs three times
    as much, and a tab or a no-break space around a typed value makes it unparseable,
    which is reported. Identifiers lose every kind of surrounding whitespace (the key
    normalisation rule), with the wide trim only where the file can need it."""
    if src is None:
        trimmed = "cast(null as varchar)"
    elif col.is_identifier and wide_space:
        # Three times the cost of trimming spaces: only when the byte scan saw a tab, a
        # no-break space, a BOM or a quote (CR/LF inside a value) in the file.
        trimmed = f"nullif(trim({src}, {_lit(IDENTIFIER_TRIM)}), '')"
    else:
        trimmed = f"nullif(trim({src}), '')"
    if col.default is not None:
        trimmed = f"coalesce({trimmed}, {_lit(col.default)})"
    return [f"{trimmed} as _t_{col.name}"]


def _parse_expr(col: Column, src: str | None, tz_param: str) -> tuple[str, str]:
    """(typed value expression, 'value present' expression) for one contract column."""
    t = f"_t_{col.name}"
    kind = col.kind
    if kind == TEXT:
        if src is None:
            value = "cast(null as varchar)"
        elif col.is_identifier:
            value = t  # the key normalisation rule: no surrounding whitespace, case kept
        else:
            value = f"case when {t} is null then null else {src} end"
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
            f"then try_cast(regexp_replace({t}, '[.,]0*$', '') as integer) end"
        )
    elif kind in (DECIMAL, NUMBER):
        num = _decimal_text(t)
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


def _decimal_text(t: str) -> str:
    """A number's text with a decimal comma read as a point (Russian Excel)."""
    return (
        f"(case when {t} like '%,%' and {t} not like '%.%' "
        f"then replace({t}, ',', '.') else {t} end)"
    )


def _range_problem(col: Column) -> str | None:
    """The reason for a value outside the column's range, or None without a range."""
    lo, hi = col.min_value, col.max_value
    if lo is None and hi is None:
        return None
    if lo == 0 and hi is None:
        return f"{col.name}: negative amount"
    low = _num_lit(lo) if lo is not None else ""
    high = _num_lit(hi) if hi is not None else ""
    return f"{col.name}: out of range {low}..{high}"


def _kind_check(col: Column, range_problem: str | None) -> str:
    """Why a present value did not parse: the kind's problem, or a more exact one (an
    offset beyond +-14:00, a number too large for its type) when the text shows it."""
    problem = _KIND_PROBLEM[col.kind]
    if col.kind == ENUM:
        expected = col.values if not col.upper_case else tuple(v.upper() for v in col.values)
        problem += f" (expected {', '.join(expected)})"
    generic = _lit(f"{col.name}: {problem}")
    t = f"p._t_{col.name}"
    bounded = col.min_value is not None and col.max_value is not None
    too_large = _lit(range_problem if bounded else f"{col.name}: out of range (too large)")
    if col.kind == TIMESTAMP:
        offset = _lit(f"{col.name}: UTC offset beyond +-14:00")
        why = f"case when regexp_full_match({t}, '{_TS_LOOSE}') then {offset} else {generic} end"
    elif col.kind == INTEGER:
        why = (
            f"case when regexp_full_match({t}, '{_INT_PATTERN}') then {too_large} "
            f"else {generic} end"
        )
    elif col.kind in (DECIMAL, NUMBER):
        number = _decimal_text(t)
        why = (
            f"case when regexp_full_match({number}, '{_NUM_PATTERN}') then {too_large} "
            f"else {generic} end"
        )
    else:
        why = generic
    return f"case when p._has_{col.name} and p.{col.name} is null then {why} end"


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
            + f" (the header starts {safe_excerpt(', '.join(staged.header))})"
        )
    low_bound, high_bound = plausible_range()
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
        pre += _pre_exprs(col, src, staged.wide_space)
        value, present = _parse_expr(col, src, tz_param)
        parsed.append(f"{value} as {col.name}, {present} as _has_{col.name}")
        is_key = col.name in entity.key
        if col.required:
            what = "missing key" if is_key else "missing required value"
            checks.append(f"case when not p._has_{col.name} then '{col.name}: {what}' end")
        diagnosed = col.kind in (TIMESTAMP, DATE, MONTH, INTEGER, DECIMAL, NUMBER)
        if diagnosed:
            parsed.append(f"_t_{col.name}")  # the text, to say why a value did not parse
        range_problem = _range_problem(col)
        if col.kind != TEXT:
            checks.append(_kind_check(col, range_problem))
        if col.kind in (TIMESTAMP, DATE, MONTH):
            checks.append(
                f"case when p.{col.name} < {_lit(low_bound.isoformat())} "
                f"or p.{col.name} >= {_lit(high_bound.isoformat())} then "
                + _lit(
                    f"{col.name}: outside the plausible range {low_bound.isoformat()} to "
                    f"{high_bound.isoformat()} (PULSE_TIMESTAMP_MIN, PULSE_TIMESTAMP_MAX)"
                )
                + " end"
            )
        if col.kind == DECIMAL:
            # Two decimals are stored: a third would be rounded away without a word.
            exact = f"try_cast({_decimal_text('p._t_' + col.name)} as decimal(38, 10))"
            checks.append(
                f"case when p.{col.name} is not null and {exact} <> p.{col.name} then "
                f"{_lit(col.name + ': more than 2 decimal places (it would be rounded)')} end"
            )
        if range_problem is not None:
            lo, hi = col.min_value, col.max_value
            conds = []
            if lo is not None:
                conds.append(f"p.{col.name} < {_num_lit(lo)}")
            if hi is not None:
                conds.append(f"p.{col.name} > {_num_lit(hi)}")
            checks.append(f"case when {' or '.join(conds)} then {_lit(range_problem)} end")

    if staged.has_control:
        names = {i: h for h, i in position.items() if h in contract}
        for i in range(len(staged.header)):
            name = names.get(i, f"column {i + 1}")
            checks.append(
                f"case when regexp_matches(p.c{i}, {_lit(_CONTROL_CLASS)}) then "
                f"{_lit(name + ': contains a control character, which is not text')} end"
            )

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
