"""Read one batch file, whatever its format, into an all-text staging table.

The staging table has one VARCHAR column per column of the file, named `c0`, `c1`, ...
(never the file's own header text, which is data and never enters SQL), and `_line`,
the 1-based line of the row in the file (the header is line 1 for CSV; for Parquet it
is the row's position). Rows the reader itself cannot split into fields (a CSV line
with too many or too few fields, a JSON line that is not an object) go to a second
table `(_line, raw_row, reason)`: they are rejected rows, not a reason to refuse the
file. Problems with the file as a whole raise `FileRefused` with one sentence.

CSV line numbers count records: a quoted value spanning several lines advances the
count by one, and blank lines are skipped.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# Extension -> format, longest first so `.csv.gz` wins over a bare `.gz`.
EXTENSIONS: tuple[tuple[str, str], ...] = (
    (".csv.gz", "csv.gz"),
    (".csv", "csv"),
    (".parquet", "parquet"),
    (".jsonl", "jsonl"),
)
SAMPLE_BYTES = 1 << 20
CHUNK_BYTES = 1 << 22
MAX_JSON_KEYS = 500
DELIMITER_CANDIDATES = (",", ";", "\t")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
# A Cyrillic letter glued to a Latin one ("cafй") is what other 8-bit text looks like
# when read as Windows-1251; real Russian text almost never does it.
_MIXED = re.compile("[A-Za-z][\u0400-\u04ff]|[\u0400-\u04ff][A-Za-z]")
# Punctuation Russian Excel writes besides letters: no-break space, dashes, quotes, numero.
_CP1251_PUNCT = re.compile(
    "[\u00a0\u00ab\u00bb\u2013\u2014\u2026\u201c\u201d\u201e\u2018\u2019\u2116\u00b0\u00a7]"
)

_CSV_ERROR_REASONS = {
    "MISSING COLUMNS": "malformed row: fewer fields than the header",
    "TOO MANY COLUMNS": "malformed row: more fields than the header",
    "UNQUOTED VALUE": "malformed row: bad quoting",
    "LINE SIZE OVER MAXIMUM": "malformed row: line too long",
    "INVALID STATE": "malformed row: bad quoting",
    "INVALID ENCODING": "malformed row: invalid UTF-8",
    "CAST": "malformed row",
}


class FileRefused(Exception):
    """The file cannot be read as a whole; the message says what is wrong (no file name)."""


@dataclass
class Staged:
    table: str  # temp table: c0..cN VARCHAR, _line BIGINT
    header: list[str]  # the file's column names, as written (stripped)
    rejects_table: str  # temp table: _line BIGINT, raw_row VARCHAR, reason VARCHAR
    rows_read: int
    notes: list[str] = field(default_factory=list)  # e.g. "cp1251, ';'"


def file_format(name: str) -> str | None:
    lower = name.lower()
    for ext, fmt in EXTENSIONS:
        if lower.endswith(ext) and len(lower) > len(ext):
            return fmt
    return None


def batch_name(name: str) -> str:
    """File name without its format extension."""
    lower = name.lower()
    for ext, _ in EXTENSIONS:
        if lower.endswith(ext):
            return name[: -len(ext)]
    return name


def normalise_encoding(encoding: str | None) -> str | None:
    """Python codec name for a user-given encoding; ValueError if unknown."""
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        raise ValueError(f"unknown encoding {encoding!r} (try utf-8 or cp1251)") from exc


def normalise_delimiter(delimiter: str | None) -> str | None:
    if delimiter is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
    value = named.get(delimiter.lower(), delimiter)
    if len(value) != 1 or value in '"\r\n':
        raise ValueError(
            f"the delimiter must be one character such as ',' ';' or tab, not {delimiter!r}"
        )
    return value


# ---------------------------------------------------------------------------------------
# Small helpers


def _read_prefix(path: Path, gz: bool, size: int = SAMPLE_BYTES) -> bytes:
    """The first `size` bytes of the file's content (decompressed for gzip)."""
    if not gz:
        with path.open("rb") as handle:
            return handle.read(size)
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(size)
    except EOFError:
        # Shorter than `size` and truncated: report it as such.
        raise FileRefused("the gzip stream is truncated (the file is incomplete)") from None
    except (OSError, zlib.error) as exc:
        raise FileRefused(f"the gzip data is corrupt ({exc})") from None


def _check_gzip_whole(path: Path) -> None:
    """Decompress the whole stream once: DuckDB notices truncation but not a corrupt
    member (it does not verify the CRC), and would read the garbage as rows."""
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(CHUNK_BYTES):
                pass
    except EOFError:
        raise FileRefused("the gzip stream is truncated (the file is incomplete)") from None
    except (OSError, zlib.error) as exc:
        raise FileRefused(f"the gzip data is corrupt ({exc})") from None


def _valid_utf8_prefix(data: bytes, complete: bool) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def _plausible_cp1251(text: str) -> bool:
    """Decoded as Windows-1251, does the text look like Russian rather than noise?"""
    non_ascii = len(_NON_ASCII.findall(text))
    if non_ascii == 0:
        return True
    cyrillic = len(_CYRILLIC.findall(text))
    punct = len(_CP1251_PUNCT.findall(text))
    mixed = len(_MIXED.findall(text))
    return (
        cyrillic > 0
        and (non_ascii - cyrillic - punct) <= 0.05 * non_ascii
        and mixed <= 0.05 * cyrillic
    )


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: 0 for d in DELIMITER_CANDIDATES}
    in_quotes = False
    for ch in header_line:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(DELIMITER_CANDIDATES, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def _parse_header(text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', doublequote=True)
    try:
        row = next(reader)
    except (StopIteration, csv.Error):
        return []
    return [name.strip().lstrip("\ufeff").strip() for name in row]


def _name_columns(header: list[str]) -> list[str]:
    """Give unnamed header cells (e.g. Excel's trailing ';') a name; refuse duplicates."""
    named = [h if h else f"column_{i + 1}" for i, h in enumerate(header)]
    seen: dict[str, str] = {}
    for name in named:
        key = name.lower()
        if key in seen:
            raise FileRefused(f"the column {name!r} appears twice in the header")
        seen[key] = name
    return named


def _drop(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    for table in tables:
        con.execute(f"drop table if exists {table}")


def _fix_line_numbers(
    con: duckdb.DuckDBPyConnection, stage: str, errors: str, header_lines: int
) -> None:
    """Correct `_line` (row ordinal + header lines) for the lines the reader rejected.

    DuckDB's reader drops rows it rejects, so the k-th row it returns sits after every
    rejected line whose count of good rows before it is below k.
    """
    if not con.execute(f"select count(*) from {errors}").fetchone()[0]:
        return
    con.execute(
        f"""
        create temp table {stage}_fixed as
        with bad as (
            select line, row_number() over (order by line) as j
            from (select distinct line from {errors})
        ),
        gaps as (select line - {header_lines} - j as good_before, max(j) as j from bad group by 1)
        select s.* replace (s._line + coalesce(g.j, 0) as _line)
        from {stage} s asof left join gaps g on s._line - {header_lines} > g.good_before
        """
    )
    _drop(con, stage)
    con.execute(f"alter table {stage}_fixed rename to {stage}")


# ---------------------------------------------------------------------------------------
# CSV


def _transcode(path: Path, gz: bool, encoding: str, target: Path, check_cyrillic: bool) -> None:
    """Decode with `encoding` (strict) into a UTF-8 copy; FileRefused if it does not decode."""
    opener = gzip.open if gz else open
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    sample: list[str] = []
    sampled = 0
    try:
        with opener(path, "rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(CHUNK_BYTES):
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    raise FileRefused(
                        f"cannot be decoded as {encoding} (byte {offset + exc.start}); "
                        "re-export it as UTF-8 or pass the right --encoding"
                    ) from None
                offset += len(chunk)
                if check_cyrillic and sampled < 4 * SAMPLE_BYTES:
                    sample.append(text)
                    sampled += len(text)
                dst.write(text.lstrip("\ufeff") if offset == len(chunk) else text)
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError:
        raise FileRefused(
            f"cannot be decoded as {encoding} (it ends in the middle of a character)"
        ) from None
    except EOFError:
        raise FileRefused("the gzip stream is truncated (the file is incomplete)") from None
    except (OSError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise FileRefused(f"the gzip data is corrupt ({exc})") from None
    if check_cyrillic and not _plausible_cp1251("".join(sample)):
        raise FileRefused(
            "is not valid UTF-8, and read as Windows-1251 it is not Russian text either; "
            "re-export it as UTF-8 or pass --encoding"
        )


def _read_csv_into(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    gz: bool,
    ncols: int,
    delimiter: str,
    stage: str,
    errors: str,
) -> None:
    columns = {f"c{i}": "VARCHAR" for i in range(ncols)}
    _drop(con, stage, errors, f"{errors}_scan")
    con.execute(
        f"""
        create temp table {stage} as
        select *, row_number() over () + 1 as _line
        from read_csv(?, header = true, auto_detect = false, columns = ?, delim = ?,
                      quote = '"', escape = '"', strict_mode = true, null_padding = false,
                      encoding = 'utf-8', compression = ?, store_rejects = true,
                      rejects_table = '{errors}', rejects_scan = '{errors}_scan',
                      max_line_size = 16777216)
        """,
        [str(path), columns, delimiter, "gzip" if gz else "none"],
    )


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    gz: bool,
    encoding: str | None,
    delimiter: str | None,
    scratch: Path,
    stage: str,
    rejects: str,
) -> Staged:
    with path.open("rb") as handle:
        magic = handle.read(4)
    if gz and not magic.startswith(b"\x1f\x8b"):
        raise FileRefused("is not gzip-compressed although its name ends in .csv.gz")
    if not gz and magic.startswith(b"\x1f\x8b"):
        raise FileRefused("is gzip-compressed; name it .csv.gz")
    if gz:
        _check_gzip_whole(path)
    head = _read_prefix(path, gz)
    complete = len(head) < SAMPLE_BYTES
    if not head.strip():
        raise FileRefused("is empty (not even a header row)")
    if head.startswith(b"PAR1"):
        raise FileRefused("is a Parquet file, not CSV; name it .parquet")

    notes: list[str] = []
    errors = f"{stage}_errors"
    source = path
    source_gz = gz
    chosen = encoding
    if chosen is None:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            chosen = "utf-16"
        elif _valid_utf8_prefix(head, complete):
            chosen = "utf-8"
        else:
            chosen = "cp1251?"  # to be confirmed by the plausibility check
    if chosen != "utf-16" and not chosen.startswith("utf-16") and b"\x00" in head:
        raise FileRefused("contains NUL bytes: it is binary data, not a CSV text file")

    def transcode(enc: str, check: bool) -> Path:
        scratch.mkdir(parents=True, exist_ok=True)
        target = scratch / f"{stage}.utf8.csv"
        _transcode(path, gz, enc, target, check)
        return target

    if chosen == "cp1251?":
        source, source_gz = transcode("cp1251", True), False
        notes.append("Windows-1251")
    elif chosen not in ("utf-8", "utf-8-sig"):
        source, source_gz = transcode(chosen, False), False
        notes.append(chosen)

    text = _read_prefix(source, source_gz).decode("utf-8-sig", errors="replace")
    delim = delimiter or _sniff_delimiter(_first_line(text))
    if delim != ",":
        notes.append({"\t": "tab"}.get(delim, repr(delim)))
    header = _name_columns(_parse_header(text, delim))
    if not header:
        raise FileRefused("has no header row")
    if header[0].startswith(("{", "[")):
        raise FileRefused("looks like JSON, not CSV; name it .jsonl")

    try:
        _read_csv_into(
            con,
            source,
            gz=source_gz,
            ncols=len(header),
            delimiter=delim,
            stage=stage,
            errors=errors,
        )
        bad_encoding = con.execute(
            f"select min(line) from {errors} where error_type = 'INVALID ENCODING'"
        ).fetchone()[0]
        if bad_encoding is not None:
            if encoding is not None or chosen != "utf-8":
                raise FileRefused(
                    f"is not valid {encoding or 'UTF-8'} text (line {bad_encoding}); "
                    "re-export it as UTF-8 or pass the right --encoding"
                )
            # Valid UTF-8 at the start, not further on: maybe Windows-1251 after all.
            source = transcode("cp1251", True)
            notes.append("Windows-1251")
            _read_csv_into(
                con,
                source,
                gz=False,
                ncols=len(header),
                delimiter=delim,
                stage=stage,
                errors=errors,
            )
    except duckdb.Error as exc:
        message = str(exc).strip().splitlines()[0]
        if "end of GZIP stream" in message:
            raise FileRefused("the gzip stream is truncated (the file is incomplete)") from None
        if "decode gzip" in message or "gzip" in message.lower():
            raise FileRefused(f"the gzip data is corrupt ({message})") from None
        if "invalid state" in message:
            message += " Mixed line endings, or a carriage return inside an unquoted value?"
        raise FileRefused(f"cannot be read as CSV ({message})") from None
    finally:
        if source != path:
            source.unlink(missing_ok=True)

    _fix_line_numbers(con, stage, errors, header_lines=1)
    _drop(con, rejects)
    con.execute(
        f"""
        create temp table {rejects} as
        select line as _line, json_object('_raw_line', any_value(csv_line)) as raw_row,
               any_value(error_type)::varchar as error_type
        from {errors} group by line
        """
    )
    for error_type, reason in _CSV_ERROR_REASONS.items():
        con.execute(
            f"update {rejects} set error_type = ? where error_type = ?", [reason, error_type]
        )
    con.execute(f"alter table {rejects} rename column error_type to reason")
    _drop(con, errors, f"{errors}_scan")
    rows = con.execute(
        f"select (select count(*) from {stage}) + (select count(*) from {rejects})"
    ).fetchone()[0]
    return Staged(stage, header, rejects, rows, notes)


# ---------------------------------------------------------------------------------------
# Parquet


def stage_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, *, stage: str, rejects: str
) -> Staged:
    size = path.stat().st_size
    with path.open("rb") as handle:
        start = handle.read(4)
        handle.seek(max(size - 4, 0))
        end = handle.read(4)
    if start != b"PAR1":
        kind = "gzip data" if start.startswith(b"\x1f\x8b") else "text or other data"
        if size == 0:
            raise FileRefused("is empty, not a Parquet file")
        raise FileRefused(f"is not a Parquet file (it holds {kind})")
    if end != b"PAR1":
        raise FileRefused("is a truncated or corrupt Parquet file (no footer)")
    try:
        names = [
            d[0]
            for d in con.execute("select * from read_parquet(?) limit 0", [str(path)]).description
        ]
        header = _name_columns([n.strip() for n in names])
        aliases = ", ".join(f"c{i}" for i in range(len(header)))
        casts = ", ".join(f"cast(c{i} as varchar) as c{i}" for i in range(len(header)))
        _drop(con, stage)
        con.execute(
            f"""
            create temp table {stage} as
            select {casts}, _frn + 1 as _line
            from read_parquet(?, file_row_number = true) as t({aliases}, _frn)
            """,
            [str(path)],
        )
    except duckdb.Error as exc:
        message = str(exc).strip().splitlines()[0]
        raise FileRefused(f"is a corrupt Parquet file ({message})") from None
    _drop(con, rejects)
    con.execute(f"create temp table {rejects} (_line bigint, raw_row varchar, reason varchar)")
    rows = con.execute(f"select count(*) from {stage}").fetchone()[0]
    return Staged(stage, header, rejects, rows)


# ---------------------------------------------------------------------------------------
# JSON lines


def _json_pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


def stage_jsonl(
    con: duckdb.DuckDBPyConnection, path: Path, *, scratch: Path, stage: str, rejects: str
) -> Staged:
    head = _read_prefix(path, False)
    if not head.strip():
        raise FileRefused("is empty (no JSON lines)")
    if head.startswith(b"PAR1"):
        raise FileRefused("is a Parquet file, not JSON lines; name it .parquet")
    if head.startswith(b"\x1f\x8b"):
        raise FileRefused("is gzip-compressed, not JSON lines")
    if not _valid_utf8_prefix(head, len(head) < SAMPLE_BYTES):
        raise FileRefused("is not valid UTF-8 text (JSON lines must be UTF-8)")
    lines = f"{stage}_lines"
    errors = f"{stage}_errors"
    _drop(con, lines, errors, f"{errors}_scan")
    try:
        # Each physical line as one text value: a delimiter and quote that JSON never uses.
        con.execute(
            f"""
            create temp table {lines} as
            select j, row_number() over () as _line
            from read_csv(?, header = false, auto_detect = false, columns = {{'j': 'VARCHAR'}},
                          delim = chr(31), quote = '', escape = '', strict_mode = false,
                          encoding = 'utf-8', store_rejects = true,
                          rejects_table = '{errors}', rejects_scan = '{errors}_scan',
                          max_line_size = 16777216)
            """,
            [str(path)],
        )
    except duckdb.Error as exc:
        message = str(exc).strip().splitlines()[0]
        raise FileRefused(f"cannot be read as JSON lines ({message})") from None
    if con.execute(
        f"select count(*) from {errors} where error_type = 'INVALID ENCODING'"
    ).fetchone()[0]:
        raise FileRefused("is not valid UTF-8 text (JSON lines must be UTF-8)")
    _fix_line_numbers(con, lines, errors, header_lines=0)
    _drop(con, rejects)
    con.execute(
        f"""
        create temp table {rejects} as
        select line as _line, json_object('_raw_line', any_value(csv_line)) as raw_row,
               'malformed row: not a JSON object' as reason
        from {errors} group by line
        union all
        select _line, json_object('_raw_line', j),
               'malformed row: not a JSON object'
        from {lines}
        where trim(j) <> ''
          and (not coalesce(json_valid(j), false) or json_type(j::json) <> 'OBJECT')
        """
    )
    _drop(con, errors, f"{errors}_scan")
    con.execute(
        f"""
        delete from {lines}
        where j is null or trim(j) = ''
           or not coalesce(json_valid(j), false) or json_type(j::json) <> 'OBJECT'
        """
    )
    first = con.execute(f"select json_keys(j::json) from {lines} order by _line limit 1").fetchone()
    keys: list[str] = list(first[0]) if first else []
    others = con.execute(
        f"select distinct unnest(json_keys(j::json)) as k from {lines} order by k"
    ).fetchall()
    for (key,) in others:
        if key not in keys:
            keys.append(key)
    if len(keys) > MAX_JSON_KEYS:
        raise FileRefused(f"has {len(keys)} different keys; it is not an extract of one entity")
    header = _name_columns([k.strip() for k in keys])
    _drop(con, stage)
    if keys:
        selects = ", ".join(f"json_extract_string(j, ?) as c{i}" for i in range(len(keys)))
        con.execute(
            f"create temp table {stage} as select {selects}, _line from {lines}",
            [_json_pointer(k) for k in keys],
        )
    else:
        con.execute(f"create temp table {stage} as select _line from {lines}")
    _drop(con, lines)
    rows = con.execute(
        f"select (select count(*) from {stage}) + (select count(*) from {rejects})"
    ).fetchone()[0]
    return Staged(stage, header, rejects, rows)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str,
    *,
    encoding: str | None,
    delimiter: str | None,
    scratch: Path,
    stage: str = "pulse_stage",
    rejects: str = "pulse_stage_rejects",
) -> Staged:
    """Read `path` (of format `fmt`) into temp tables; FileRefused if it cannot be read."""
    if fmt in ("csv", "csv.gz"):
        return stage_csv(
            con,
            path,
            gz=fmt == "csv.gz",
            encoding=encoding,
            delimiter=delimiter,
            scratch=scratch,
            stage=stage,
            rejects=rejects,
        )
    if fmt == "parquet":
        return stage_parquet(con, path, stage=stage, rejects=rejects)
    if fmt == "jsonl":
        return stage_jsonl(con, path, scratch=scratch, stage=stage, rejects=rejects)
    raise ValueError(fmt)


def remove_scratch(scratch: Path) -> None:
    shutil.rmtree(scratch, ignore_errors=True)
