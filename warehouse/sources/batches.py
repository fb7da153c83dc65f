"""Write contract batches into a raw directory all at once, or not at all.

An importer builds every row in memory, checks it, and only then calls `write_batches`:
the files are written into a hidden scratch directory inside the raw directory (the
loader skips dot-directories) and renamed into `<raw>/<entity>/` when all are complete,
so a failure leaves nothing behind that `pulse load` would pick up.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from warehouse.core.contract import ENTITIES
from warehouse.core.errors import PulseError

Row = dict[str, str]


@dataclass
class Report:
    """What the import wrote and what it could not map, for the closing summary."""

    rows: dict[str, int] = field(default_factory=dict)
    unmapped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"  {name:<18} {n:>7,} rows" for name, n in self.rows.items() if n]
        if self.unmapped:
            out.append("Could not map (a mapping file can name these):")
            out += [f"  {what} ({n})" for what, n in sorted(self.unmapped.items())]
        out += [f"Note: {note}" for note in self.notes]
        return out


def batch_stem(source: str) -> str:
    """`zendesk-20261201T190512Z`: sorts after earlier imports, so later batches win."""
    moment = datetime.now(UTC)
    name = re.sub(r"[^a-z0-9_-]+", "-", source.lower()).strip("-") or "import"
    return f"{name}-{moment:%Y%m%dT%H%M%SZ}"


def write_batches(raw_dir: Path, stem: str, rows: dict[str, list[Row]]) -> dict[str, Path]:
    """Write one CSV per entity with rows; returns entity -> final path."""
    try:
        raw_dir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".import-", dir=raw_dir))
    except OSError as exc:
        raise PulseError(f"cannot write into {raw_dir}: {exc.strerror}; check the path") from None
    try:
        written: dict[str, Path] = {}
        for entity_name, entity_rows in rows.items():
            if not entity_rows:
                continue
            columns = ENTITIES[entity_name].column_names
            target = raw_dir / entity_name / f"{stem}.csv"
            if target.exists():
                raise PulseError(
                    f"{target} already exists; wait a second and import again, or remove it"
                )
            path = scratch / f"{entity_name}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="raise")
                writer.writeheader()
                writer.writerows(entity_rows)
            written[entity_name] = path
        final: dict[str, Path] = {}
        for entity_name, path in written.items():
            target = raw_dir / entity_name / f"{stem}.csv"
            target.parent.mkdir(exist_ok=True)
            path.replace(target)
            final[entity_name] = target
        return final
    except OSError as exc:
        raise PulseError(f"cannot write into {raw_dir}: {exc.strerror}; check the path") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
