"""Read Zendesk API objects from a directory, as the API or a dumper saved them.

Two shapes are accepted, mixed freely and searched recursively:
- response pages saved as `.json`: one object whose list key names the stream
  (`{"tickets": [...], "after_cursor": ..., "end_of_stream": ...}`, `{"audits": [...]}`,
  `{"ticket_events": [...]}`, `{"ticket_metric_events": [...]}`, ...);
- JSON Lines, one object per line, the stream named by the file (`tickets.jsonl`,
  `ticket_audits.jsonl`, ...), as Airbyte's Zendesk Support connector writes them.

Incremental exports repeat an object each time it changes, so the same id can occur
in many pages; `Objects.add` keeps the latest version (by `updated_at`, else the last
read). Files and directories whose name starts with a dot (the pull state) are skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warehouse.core.errors import PulseError

# Page list key -> stream. `audits` is what the Ticket Audits endpoints return.
PAGE_KEYS = {
    "tickets": "tickets",
    "audits": "ticket_audits",
    "ticket_audits": "ticket_audits",
    "ticket_events": "ticket_events",
    "ticket_metric_events": "ticket_metric_events",
    "satisfaction_ratings": "satisfaction_ratings",
    "users": "users",
    "groups": "groups",
    "organizations": "organizations",
    "group_memberships": "group_memberships",
}
STREAMS = tuple(dict.fromkeys(PAGE_KEYS.values()))
# Keys of a page that are paging metadata or sideloads we do not need.
_PAGE_META = {
    "after_cursor",
    "after_url",
    "before_cursor",
    "before_url",
    "end_of_stream",
    "end_time",
    "next_page",
    "previous_page",
    "count",
    "meta",
    "links",
}


@dataclass
class Objects:
    """Every object of every stream, by id, each with where it was read."""

    streams: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {s: {} for s in STREAMS}
    )
    origin: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, stream: str, obj: Any, where: str) -> None:
        if not isinstance(obj, dict):
            raise PulseError(f"{where} is not a JSON object; remove it or re-export {stream}")
        if obj.get("id") is None:
            raise PulseError(
                f"{where} (a {stream} object) has no id; re-export {stream} from Zendesk "
                "or remove the object"
            )
        key = str(obj["id"])
        held = self.streams[stream].get(key)
        if held is not None and str(held.get("updated_at") or "") > str(
            obj.get("updated_at") or ""
        ):
            return
        self.streams[stream][key] = obj
        self.origin[(stream, key)] = where

    def where(self, stream: str, key: str) -> str:
        return self.origin.get((stream, key), f"{stream} {key}")

    def __getitem__(self, stream: str) -> dict[str, dict[str, Any]]:
        return self.streams[stream]


def _stream_of_jsonl(path: Path) -> str:
    stem = path.name.removesuffix(".jsonl")
    if stem == "audits":
        return "ticket_audits"
    # longest first, so ticket_metric_events is not read as tickets
    for stream in sorted(STREAMS, key=len, reverse=True):
        if stem == stream or stem.startswith(stream + "_") or stem.startswith(stream + "."):
            return stream
    raise PulseError(
        f"{path} does not say which Zendesk stream it holds; name it after its stream "
        f"({', '.join(s + '.jsonl' for s in STREAMS)})"
    )


def _read_page(path: Path, rel: str, objects: Objects) -> None:
    try:
        page = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PulseError(
            f"{rel} is not JSON ({exc.__class__.__name__}); save the API response as it "
            "came, or remove the file"
        ) from None
    keys = [k for k in page if k in PAGE_KEYS] if isinstance(page, dict) else []
    if not keys:
        raise PulseError(
            f"{rel} is not a Zendesk API page (expected an object with one of the keys "
            f"{', '.join(PAGE_KEYS)}); remove it from the import directory"
        )
    for key in keys:
        items = page[key]
        if not isinstance(items, list):
            raise PulseError(f"{rel}: '{key}' is not a list; save the API response as it came")
        for i, obj in enumerate(items):
            objects.add(PAGE_KEYS[key], obj, f"{rel}: {key}[{i}]")


def _read_jsonl(path: Path, rel: str, objects: Objects) -> None:
    stream = _stream_of_jsonl(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise PulseError(f"{rel} is not UTF-8 text; re-export it as JSON Lines") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            raise PulseError(
                f"{rel} line {n} is not JSON; a .jsonl file holds one JSON object per line"
            ) from None
        # Airbyte's raw tables wrap the record: {"_airbyte_data": {...}, ...}
        if isinstance(obj, dict) and isinstance(obj.get("_airbyte_data"), dict):
            obj = obj["_airbyte_data"]
        objects.add(stream, obj, f"{rel} line {n}")


def read_directory(directory: Path) -> Objects:
    """All Zendesk objects under `directory`; PulseError on the first bad file or object."""
    if not directory.is_dir():
        raise PulseError(f"{directory} is not a directory; pass the Zendesk export with --from")
    objects = Objects()
    files = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and p.suffix in (".json", ".jsonl")
        and not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )
    if not files:
        raise PulseError(
            f"{directory} holds no .json pages or .jsonl files; point --from at the "
            "directory `pulse pull zendesk` or your dumper wrote"
        )
    for path in files:
        rel = str(path.relative_to(directory))
        if path.suffix == ".json":
            _read_page(path, rel, objects)
        else:
            _read_jsonl(path, rel, objects)
    return objects
