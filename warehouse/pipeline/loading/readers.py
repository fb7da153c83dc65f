"""Read one batch file, whatever its format, into an all-text staging table.

The staging table has one VARCHAR column per column of the file, named `c0`, `c1`, ...
(never the file's own header text, which is data and never enters SQL), and `_line`,
the 1-based line of the row in the file (the header is line 1 for CSV; for Parquet it
is the row's position). Rows the reader itself cannot split into fields (a CSV line
with too many or too few fields, a JSON line that is not an object) go to a second
table `(_line, raw_row, reason)`: they are rejected rows, not a reason to refuse the
file. Problems with the file as a whole raise `FileRefused` with one sentence.

CSV line numbers are physical lines (LF-terminated, as an editor counts them): a row
is numbered by the line where it starts, however many lines its quoted values span
and however many blank lines precede it. The physical lines are counted by a byte scan
independent of the CSV parser (`scan_text`), and a CSV batch is only staged when the
parser's rows, the header and the blank lines account for every one of them (see
`_reconcile_lines`): a parse that swallows lines can never look balanced.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
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


# Bytes that are not text: C0 controls except tab, LF and CR, and DEL.
CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
_TEXT_BYTES = bytes(b for b in range(256) if b not in CONTROL_BYTES)
_BLANK_LINE = re.compile(rb"\n\r?(?=\n)")
_CONTROL = re.compile(b"[" + re.escape(CONTROL_BYTES) + b"]")
# A quoted value may span at most this many lines (PULSE_MAX_VALUE_LINES): beyond it
# an opening quote that was never closed is the likelier story than a long text.
DEFAULT_MAX_VALUE_LINES = 100


class FileRefused(Exception):
    """The file cannot be read as a whole; the message says what is wrong (no file name)."""


@dataclass
class Staged:
    table: str  # temp table: c0..cN VARCHAR, _line BIGINT
    header: list[str]  # the file's column names, as written (stripped)
    rejects_table: str  # temp table: _line BIGINT, raw_row VARCHAR, reason VARCHAR
    rows_read: int
    notes: list[str] = field(default_factory=list)  # e.g. "cp1251, ';'"
    # Physical lines of the file (CSV, JSON lines) or rows (Parquet), counted apart
    # from the parser; recorded in raw.load_manifest.file_lines.
    file_lines: int | None = None
    # The file holds a control character somewhere: validation checks every value.
    has_control: bool = True
    # The file may hold whitespace other than spaces around a value (a tab, a no-break
    # space, a BOM, or CR/LF inside quotes): identifiers get the slower wide trim.
    wide_space: bool = True


@dataclass
class TextScan:
    """What one streaming pass over a text file's bytes found (`scan_text`)."""

    lines: int = 0  # physical lines: LF-terminated, a last line without LF counts
    blank_lines: list[int] = field(default_factory=list)  # empty ('' or '\r') lines
    quotes: int = 0  # '"' bytes: zero means no value can span lines
    odd_spaces: bool = False  # a tab, no-break space or BOM somewhere
    control_line: int | None = None  # first line holding a control byte
    ends_with_newline: bool = True
    first_line_lone_cr: bool = False  # a CR inside the first line: CR-only line breaks


def max_value_lines() -> int:
    """The longest quoted value, in lines, before it counts as an unclosed quote."""
    raw = os.environ.get("PULSE_MAX_VALUE_LINES", "")
    try:
        return max(int(raw), 1) if raw.strip() else DEFAULT_MAX_VALUE_LINES
    except ValueError:
        return DEFAULT_MAX_VALUE_LINES


def safe_excerpt(text: str, limit: int = 60) -> str:
    """A short, escaped excerpt of file text for a message: never more of the file."""
    short = text[:limit]
    escaped = short.encode("unicode_escape").decode("ascii").replace("'", "\\'")
    return f"'{escaped}'" + ("..." if len(text) > limit else "")


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


def scan_text(path: Path, gz: bool) -> TextScan:
    """One streaming pass over the (decompressed) bytes: physical lines, blank lines,
    quotes, control bytes, the last byte. C loops over 4 MiB chunks (`bytes.count`,
    `translate`), Python only per blank line or chunk: ~1 GB/s, no per-row work.

    For gzip this is also the whole-stream check: DuckDB notices truncation but not a
    corrupt member (it does not verify the CRC), and would read the garbage as rows.
    """
    scan = TextScan()
    opener = gzip.open if gz else open
    tail = b""  # the last two bytes of the previous chunk, for matches across chunks
    last_blank = 0
    first = True
    try:
        with opener(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                if first:
                    head_end = chunk.find(b"\n")
                    head = chunk if head_end < 0 else chunk[:head_end]
                    scan.first_line_lone_cr = b"\r" in head.rstrip(b"\r")
                    if chunk.startswith((b"\n", b"\r\n")):
                        scan.blank_lines.append(1)
                        last_blank = 1
                    first = False
                before = scan.lines
                if scan.control_line is None and chunk.translate(None, _TEXT_BYTES):
                    pos = _CONTROL.search(chunk).start()  # type: ignore[union-attr]
                    scan.control_line = before + chunk.count(b"\n", 0, pos) + 1
                buf = tail + chunk
                base = before - tail.count(b"\n")  # newlines before buf
                counted, at = base, 0
                for match in _BLANK_LINE.finditer(buf):
                    counted += buf.count(b"\n", at, match.start())
                    at = match.start()
                    number = counted + 2  # the line after the one this LF ends
                    if number > last_blank:
                        scan.blank_lines.append(number)
                        last_blank = number
                scan.lines += chunk.count(b"\n")
                scan.quotes += chunk.count(b'"')
                scan.odd_spaces = scan.odd_spaces or any(
                    odd in buf for odd in (b"\t", b"\xc2\xa0", b"\xef\xbb\xbf")
                )
                tail = buf[-2:]
                scan.ends_with_newline = chunk.endswith(b"\n")
    except EOFError:
        raise FileRefused("the gzip stream is truncated (the file is incomplete)") from None
    except (OSError, zlib.error) as exc:
        if not gz:
            raise
        raise FileRefused(f"the gzip data is corrupt ({exc})") from None
    if tail and not scan.ends_with_newline:
        scan.lines += 1
    return scan


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
            raise FileRefused(f"the column {safe_excerpt(name, 40)} appears twice in the header")
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
    raw_scan = scan_text(path, gz) if gz else None  # the whole-stream gzip check
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

    try:
        scan = raw_scan if raw_scan is not None and source == path else scan_text(source, source_gz)
        if scan.control_line == 1:
            raise FileRefused(
                "contains NUL bytes or other control characters in its first line: it is "
                "binary data, not a CSV text file"
            )
        if scan.first_line_lone_cr:
            raise FileRefused(
                "uses carriage returns alone as line breaks (classic Mac format); "
                "re-export it with LF or CRLF line breaks"
            )
        text = _read_prefix(source, source_gz).decode("utf-8-sig", errors="replace")
        delim = delimiter or _sniff_delimiter(_first_line(text))
        if delim != ",":
            notes.append({"\t": "tab"}.get(delim, repr(delim)))
        header = _name_columns(_parse_header(text, delim))
        if not header:
            raise FileRefused("has no header row")
        if header[0].startswith(("{", "[")):
            raise FileRefused("looks like JSON, not CSV; name it .jsonl")
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
            f"select min(line_byte_position) from {errors} where error_type = 'INVALID ENCODING'"
        ).fetchone()[0]
        if bad_encoding is not None:
            if encoding is not None or chosen != "utf-8":
                at = _lines_at(source, source_gz, [int(bad_encoding)])[int(bad_encoding)]
                raise FileRefused(
                    f"is not valid {encoding or 'UTF-8'} text (the row starting on line {at}); "
                    "re-export it as UTF-8 or pass the right --encoding"
                )
            # Valid UTF-8 at the start, not further on: maybe Windows-1251 after all.
            source = transcode("cp1251", True)
            notes.append("Windows-1251")
            scan = scan_text(source, False)
            _read_csv_into(
                con,
                source,
                gz=False,
                ncols=len(header),
                delimiter=delim,
                stage=stage,
                errors=errors,
            )
        # The reader's own line numbers for rejected rows count neither blank lines nor
        # the extra lines of quoted values consistently: take the physical line from the
        # byte where the row's text starts instead.
        offsets = [
            int(r[0])
            for r in con.execute(
                f"select distinct line_byte_position from {errors} order by 1"
            ).fetchall()
        ]
        starts = _lines_at(source, source_gz, offsets)
    except duckdb.Error as exc:
        message = str(exc).strip().splitlines()[0]
        if "end of GZIP stream" in message:
            raise FileRefused("the gzip stream is truncated (the file is incomplete)") from None
        if "decode gzip" in message or "gzip" in message.lower():
            raise FileRefused("the gzip data is corrupt") from None
        hint = ""
        if "invalid state" in message:
            hint = "; mixed line endings, or a carriage return inside an unquoted value?"
        # DuckDB's message may quote the offending line: keep only a short excerpt.
        raise FileRefused(f"cannot be read as CSV ({safe_excerpt(message, 120)}{hint})") from None
    finally:
        if source != path:
            source.unlink(missing_ok=True)

    _drop(con, rejects)
    con.execute(
        f"""
        create temp table {rejects} as
        with e as (
            select line_byte_position as pos, any_value(csv_line) as t,
                   any_value(error_type)::varchar as error_type
            from {errors} group by 1
        ),
        o as (select unnest(?::bigint[]) as pos, unnest(?::bigint[]) as line)
        select o.line + length(lead) - length(replace(lead, chr(10), '')) as _line,
               ltrim(t, chr(13) || chr(10)) as _text, error_type
        from (
            select *, left(t, length(t) - length(ltrim(t, chr(13) || chr(10)))) as lead
            from e
        ) e join o using (pos)
        """,
        [list(starts), list(starts.values())],
    )
    for error_type, reason in _CSV_ERROR_REASONS.items():
        con.execute(
            f"update {rejects} set error_type = ? where error_type = ?", [reason, error_type]
        )
    con.execute(f"alter table {rejects} rename column error_type to reason")
    _drop(con, errors, f"{errors}_scan")
    _reconcile_lines(con, stage, rejects, header, scan)
    con.execute(f"alter table {rejects} add column raw_row varchar")
    con.execute(f"update {rejects} set raw_row = json_object('_raw_line', _text)")
    con.execute(f"alter table {rejects} drop column _text")
    rows = con.execute(
        f"select (select count(*) from {stage}) + (select count(*) from {rejects})"
    ).fetchone()[0]
    return Staged(
        stage,
        header,
        rejects,
        rows,
        notes,
        file_lines=scan.lines,
        has_control=scan.control_line is not None,
        wide_space=scan.odd_spaces or scan.quotes > 0,
    )


def _lines_at(path: Path, gz: bool, offsets: list[int]) -> dict[int, int]:
    """The physical line holding each 1-based byte offset (sorted): one streaming pass
    counting LFs, run only when the reader rejected rows."""
    found: dict[int, int] = {}
    if not offsets:
        return found
    opener = gzip.open if gz else open
    done, newlines, i = 0, 0, 0
    with opener(path, "rb") as handle:
        while i < len(offsets) and (chunk := handle.read(CHUNK_BYTES)):
            while i < len(offsets) and offsets[i] - 1 < done + len(chunk):
                cut = max(offsets[i] - 1 - done, 0)
                found[offsets[i]] = newlines + chunk.count(b"\n", 0, cut) + 1
                i += 1
            newlines += chunk.count(b"\n")
            done += len(chunk)
    for offset in offsets[i:]:
        found[offset] = newlines + 1
    return found


def _reconcile_lines(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    rejects: str,
    header: list[str],
    scan: TextScan,
) -> None:
    """Give good rows their physical start lines and prove every line is accounted for.

    On entry the reader's rejects carry their physical line already (from the byte
    where their text starts) and a good row's `_line` is its ordinal among good rows + 1.
    A row occupies one line plus one per line break inside its quoted values (blank
    lines inside a value excluded: they are in `scan.blank_lines`, with the blank lines
    between rows). Numbering the non-blank lines after the header q = 1, 2, ..., good
    row g starts at q = g + the extra lines of the good rows before it + the rejected
    rows before it, and at physical line q + 1 + the blank lines before it (as-of joins
    over the small tables of multi-line rows, rejects and blank lines; no mapping at
    all for the usual file with none of them). Then: header + blank lines + the lines of
    every row must be the file's physical line count, or the file is refused; and a
    quoted value longer than `max_value_lines()` lines, or a malformed row spanning lines
    (an opening quote never closed, up to the end of the file at worst), refuses the file
    naming the line where the row starts, so no good line disappears inside it.
    """
    multi = f"{stage}_multi"
    blanks = f"{stage}_blanks"
    _drop(con, multi, blanks)
    ncols = len(header)
    newlines = "length({0}) - length(replace({0}, chr(10), ''))"
    # Extra (non-blank) lines per good row; only rows with a line break can have any,
    # and none can when the file holds no quote at all.
    if scan.quotes:
        joined = " || chr(31) || ".join(f"coalesce(c{i}, '')" for i in range(ncols))
        any_nl = " or ".join(f"contains(c{i}, chr(10))" for i in range(ncols))
        con.execute(
            f"""
            create temp table {multi} as
            select _line, {newlines.format("t")}
                   - ({newlines.format("u")} - len(regexp_extract_all(u, '\n+'))) as extra
            from (
                select _line, t, replace(t, chr(13) || chr(10), chr(10)) as u
                from (select _line, {joined} as t from {stage} where {any_nl})
            )
            """
        )
    else:
        con.execute(f"create temp table {multi} (_line bigint, extra bigint)")
    con.execute(
        f"create temp table {blanks} as select unnest(?::bigint[]) as b, unnest(range(1, ?)) as i",
        [scan.blank_lines, len(scan.blank_lines) + 1],
    )
    records, extra_lines, rejected, bad_lines = con.execute(
        f"""
        select (select count(*) from {stage}) + (select count(*) from {rejects}),
               (select coalesce(sum(extra), 0) from {multi}),
               (select count(*) from {rejects}),
               (select coalesce(sum({newlines.format("_text")}), 0) from {rejects})
        """
    ).fetchone()
    covered = 1 + len(scan.blank_lines) + records + extra_lines + bad_lines
    if extra_lines or scan.blank_lines or rejected:
        con.execute(
            f"""
            create temp table {multi}_cum as
            select _line - 1 as g, sum(extra) over (order by _line) as cum from {multi};
            create temp table {blanks}_k as
            select b - i - 1 as key, max(i) as i from {blanks} group by 1;
            create temp table {rejects}_k as
            select key, max(i) as i from (
                select r._line - 1 - coalesce(k.i, 0) - row_number() over (order by r._line)
                           as key,
                       row_number() over (order by r._line) as i
                from {rejects} r asof left join (
                    select b, i from {blanks}
                ) k on r._line > k.b
            ) group by 1
            """
        )
        mapping = f"""
            with c as (
                select x.*, x._line - 1 + coalesce(m.cum, 0) as _c
                from {{table}} x asof left join {multi}_cum m on x._line - 1 > m.g
            ),
            q as (
                select c.*, c._c + coalesce(r.i, 0) as _q
                from c asof left join {rejects}_k r on c._c > r.key
            )
            select q.* exclude (_line, _c, _q), q._q + 1 + coalesce(k.i, 0) as _line
            from q asof left join {blanks}_k k on q._q > k.key
        """
        for table in (multi, stage):
            con.execute(f"create temp table {table}_mapped as {mapping.format(table=table)}")
            _drop(con, table)
            con.execute(f"alter table {table}_mapped rename to {table}")
        _drop(con, f"{multi}_cum", f"{blanks}_k", f"{rejects}_k")
    limit = max_value_lines()
    swallow = con.execute(
        f"""
        select _line, span, bad from (
            select _line, 1 + extra as span, false as bad from {multi} where extra >= ?
            union all
            select _line, 1 + {newlines.format("_text")}, true from {rejects}
            where contains(_text, chr(10))
        ) order by _line limit 1
        """,
        [int(limit)],
    ).fetchone()
    _drop(con, multi, blanks)
    if swallow is not None:
        line, span, bad = swallow
        later = con.execute(
            f"select exists (select 1 from {stage} where _line > ?) "
            f"or exists (select 1 from {rejects} where _line > ?)",
            [line, line],
        ).fetchone()[0]
        if bad and not later:
            # DuckDB keeps only the start of a huge row's text: no row after it is the sign.
            reach = "runs to the end of the file"
        else:
            reach = f"runs over {span} lines, to line {line + span - 1}"
        what = "is malformed" if bad else f"is longer than {limit} lines (PULSE_MAX_VALUE_LINES)"
        raise FileRefused(
            f"has a quoted value that opens on line {line} and {reach}: the row {what}, "
            f"so the lines after it cannot be trusted; close the quote on line {line} "
            "and load again"
        )
    # A row cut at the end of the file is checked after the quotes: an unclosed quote
    # further up is the cause of whatever the reader made of the last line.
    if not scan.ends_with_newline:
        last_good = con.execute(f"select coalesce(max(_line), 0) from {stage}").fetchone()[0]
        cut, why = con.execute(
            f"select max(_line), arg_max(reason, _line) from {rejects}"
        ).fetchone()
        if cut is not None and cut > last_good:
            raise FileRefused(
                f"is truncated: its last row (line {cut}) ends without a line break and is "
                f"incomplete ({why}); the export was cut off, export the file again"
            )
    if covered != scan.lines:
        raise FileRefused(
            f"cannot be split into rows consistently: it has {scan.lines} lines, but the "
            f"header, {len(scan.blank_lines)} blank lines and {records} rows cover "
            f"{covered}; check its quotes and line breaks"
        )


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
        raise FileRefused(f"is a corrupt Parquet file ({safe_excerpt(message, 120)})") from None
    _drop(con, rejects)
    con.execute(f"create temp table {rejects} (_line bigint, raw_row varchar, reason varchar)")
    rows = con.execute(f"select count(*) from {stage}").fetchone()[0]
    return Staged(stage, header, rejects, rows, file_lines=rows)


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
        raise FileRefused(f"cannot be read as JSON lines ({safe_excerpt(message, 120)})") from None
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
    return Staged(stage, header, rejects, rows, file_lines=scan_text(path, False).lines)


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
