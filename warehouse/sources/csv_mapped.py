"""`pulse import csv --mapping FILE --from DIR`: any helpdesk's CSV export, by a mapping.

The mapping (`mapping.CsvMapping`, documented in docs/importers.md) names, per contract
entity, the vendor's file(s), which vendor column fills each contract column, how
vendor values translate (`Срочный` -> critical), defaults for what the vendor lacks and
the format of its timestamps. A new source is a TOML file, not code.

A vendor file without an id column (an activity log) maps its key onto `"@hash"`: a
stable id made from the row's other mapped values, so exporting the same log again
yields the same ids and the loader's upsert keeps one row per event.

Values the mapping does not translate pass through unchanged and are listed: the
loader then accepts them if they are contract values and rejects the row with its
reason otherwise, so nothing is silently dropped or invented here.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime
from pathlib import Path

from warehouse.core.contract import ENTITIES, TIMESTAMP
from warehouse.core.errors import PulseError
from warehouse.sources.batches import Report, Row, batch_stem, write_batches
from warehouse.sources.mapping import CsvMapping, EntityMapping

HASH = "@hash"


def _read(path: Path, rel: str, mapping: CsvMapping) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(encoding=mapping.encoding, newline="") as handle:
            rows = list(csv.reader(handle, delimiter=mapping.delimiter))
    except UnicodeDecodeError:
        raise PulseError(
            f"{rel} is not {mapping.encoding} text; set [source] encoding in {mapping.path} "
            "(Russian Excel saves cp1251)"
        ) from None
    except LookupError:
        raise PulseError(f"{mapping.path}: unknown encoding {mapping.encoding!r}") from None
    except csv.Error as exc:
        raise PulseError(f"{rel} is not readable as CSV ({exc}); check the delimiter") from None
    if not rows:
        raise PulseError(f"{rel} is empty; a CSV export starts with a header row")
    return [h.strip() for h in rows[0]], rows[1:]


def _convert(
    em: EntityMapping, header: list[str], rows: list[list[str]], rel: str, report: Report
) -> list[Row]:
    position = {name: i for i, name in enumerate(header)}
    for column, vendor_column in em.columns.items():
        if vendor_column != HASH and vendor_column not in position:
            raise PulseError(
                f"the mapping names column {vendor_column!r} for {em.entity}.{column}, but {rel} "
                f"has no such column (it has: {', '.join(header)[:300]}); fix the mapping"
            )
    entity = ENTITIES[em.entity]
    out = []
    for n, raw in enumerate(rows, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        row: Row = {}
        for col in entity.columns:
            value = ""
            if col.name in em.columns and em.columns[col.name] != HASH:
                i = position[em.columns[col.name]]
                value = raw[i].strip() if i < len(raw) else ""
            if value and col.name in em.values:
                mapped = em.values[col.name].get(value.lower())
                if mapped is None:
                    report.unmapped[f"{em.entity}.{col.name} value {value!r}: passed as is"] += 1
                else:
                    value = mapped
            if value and col.name in em.formats and col.kind == TIMESTAMP:
                try:
                    value = datetime.strptime(value, em.formats[col.name]).isoformat(sep=" ")
                except ValueError:
                    raise PulseError(
                        f"{rel} line {n}: {value!r} in {em.columns[col.name]!r} does not match "
                        f"the format {em.formats[col.name]!r} given for {em.entity}.{col.name}"
                    ) from None
            if not value:
                value = em.defaults.get(col.name, "")
            row[col.name] = value
        for name, vendor_column in em.columns.items():
            if vendor_column == HASH:
                text = "\x1f".join(v for k, v in row.items() if em.columns.get(k) != HASH)
                row[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
        out.append(row)
    return out


def import_csv(source: Path, raw_dir: Path, mapping: CsvMapping) -> Report:
    """Convert the vendor files under `source` into batches under `raw_dir`, all or nothing."""
    if not source.is_dir():
        raise PulseError(f"{source} is not a directory; pass the vendor's export with --from")
    report = Report()
    rows: dict[str, list[Row]] = {}
    for em in mapping.entities:
        files = sorted(p for p in source.glob(em.files) if p.is_file())
        if not files:
            raise PulseError(
                f"no file in {source} matches {em.files!r} ([{em.entity}] files in "
                f"{mapping.path}); fix the pattern or export the file"
            )
        for path in files:
            rel = str(path.relative_to(source))
            header, body = _read(path, rel, mapping)
            rows.setdefault(em.entity, []).extend(_convert(em, header, body, rel, report))
    report.rows = {name: len(r) for name, r in rows.items()}
    write_batches(raw_dir, batch_stem(mapping.source), rows)
    return report
