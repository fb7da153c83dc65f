"""Mapping files: what an importer cannot know about the source organisation.

Both importers read a TOML file (documented in docs/importers.md, examples under
docs/examples/). `load_toml` turns every problem with the file itself into one
`PulseError` sentence; `ZendeskMapping.from_toml` and `CsvMapping.from_toml` check
the sections and keys so a typo is reported instead of silently ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warehouse.core.contract import ENTITIES
from warehouse.core.errors import PulseError

TIERS = ("tier1", "tier2", "tier3", "tam")
SUPPORT_PLANS = ("premium", "professional", "standard", "free")
OUR_METRICS = ("first_response", "resolution", "next_reply")
DEFAULT_METRICS = {"reply_time": "first_response", "requester_wait_time": "resolution"}


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise PulseError(f"mapping file {path} does not exist; check the --mapping path") from None
    except tomllib.TOMLDecodeError as exc:
        raise PulseError(f"mapping file {path} is not valid TOML ({exc}); fix it") from None
    except OSError as exc:
        raise PulseError(f"cannot read the mapping file {path}: {exc.strerror}") from None


def _table(doc: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise PulseError(f"{where}: [{key}] must be a table of key = value pairs")
    return value


def _unknown_keys(doc: dict[str, Any], known: set[str], where: str) -> None:
    extra = sorted(set(doc) - known)
    if extra:
        raise PulseError(
            f"{where}: unknown key(s) {', '.join(extra)} (known: {', '.join(sorted(known))})"
        )


def _strings(table: dict[str, Any], where: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in table.items() if _scalar(v, f"{where}.{k}")}


def _scalar(value: Any, where: str) -> bool:
    if isinstance(value, dict | list):
        raise PulseError(f"{where} must be a single value, not a table or list")
    return True


def _choice(value: str, allowed: tuple[str, ...], where: str) -> str:
    if value.lower() not in allowed:
        raise PulseError(f"{where} = {value!r} is not one of {', '.join(allowed)}")
    return value.lower()


@dataclass(frozen=True)
class ZendeskMapping:
    """How Zendesk's objects map onto the contract; every part has a default."""

    source: str = "the defaults (no --mapping file)"
    # Zendesk group id or name -> tier1 | tier2 | tier3 | tam
    groups: dict[str, str] = field(default_factory=dict)
    # Zendesk group id or name -> the user id of its lead
    group_leads: dict[str, str] = field(default_factory=dict)
    # id of the ticket custom field holding the product area, and its value map
    product_area_field: str | None = None
    product_areas: dict[str, str] = field(default_factory=dict)
    # organization_fields keys, and value maps for segment and support plan
    segment_field: str = "segment"
    region_field: str = "region"
    industry_field: str = "industry"
    support_plan_field: str = "support_plan"
    segments: dict[str, str] = field(default_factory=dict)
    support_plans: dict[str, str] = field(default_factory=dict)
    # defaults for organizations without the field
    default_segment: str = "smb"
    default_region: str = "unknown"
    default_industry: str = "unknown"
    # Zendesk ticket metric -> our metric (reply_time instance 1 is first_response,
    # later instances next_reply; see docs/importers.md)
    metrics: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_METRICS))
    # Time zone of the Zendesk schedule behind its business-hours SLA targets.
    business_time_zone: str | None = None
    bot_user_ids: frozenset[str] = frozenset()
    ignore_event_types: frozenset[str] = frozenset()

    @classmethod
    def from_toml(cls, path: Path) -> ZendeskMapping:
        doc = load_toml(path)
        where = f"mapping file {path}"
        _unknown_keys(
            doc,
            {
                "groups",
                "group_leads",
                "ticket_fields",
                "product_areas",
                "organization_fields",
                "segments",
                "support_plans",
                "defaults",
                "metrics",
                "business_hours",
                "users",
                "events",
            },
            where,
        )
        groups = {
            k: _choice(v, TIERS, f"{where}: groups.{k}")
            for k, v in _strings(_table(doc, "groups", where), "groups").items()
        }
        fields = _table(doc, "ticket_fields", where)
        _unknown_keys(fields, {"product_area"}, f"{where} [ticket_fields]")
        org = _table(doc, "organization_fields", where)
        _unknown_keys(
            org, {"segment", "region", "industry", "support_plan"}, f"{where} [organization_fields]"
        )
        defaults = _table(doc, "defaults", where)
        _unknown_keys(defaults, {"segment", "region", "industry"}, f"{where} [defaults]")
        segment_values = ENTITIES["accounts"].column("segment").values
        area_values = ENTITIES["tickets"].column("product_area").values
        metrics = {
            k: _choice(v, (*OUR_METRICS, "none"), f"{where}: metrics.{k}")
            for k, v in _strings(_table(doc, "metrics", where), "metrics").items()
        }
        hours = _table(doc, "business_hours", where)
        _unknown_keys(hours, {"time_zone"}, f"{where} [business_hours]")
        users = _table(doc, "users", where)
        _unknown_keys(users, {"bots"}, f"{where} [users]")
        events = _table(doc, "events", where)
        _unknown_keys(events, {"ignore"}, f"{where} [events]")
        base = cls()
        return cls(
            source=str(path),
            groups=groups,
            group_leads=_strings(_table(doc, "group_leads", where), "group_leads"),
            product_area_field=(str(fields["product_area"]) if "product_area" in fields else None),
            product_areas={
                k: _choice(v, area_values, f"{where}: product_areas.{k}")
                for k, v in _strings(_table(doc, "product_areas", where), "product_areas").items()
            },
            segment_field=str(org.get("segment", base.segment_field)),
            region_field=str(org.get("region", base.region_field)),
            industry_field=str(org.get("industry", base.industry_field)),
            support_plan_field=str(org.get("support_plan", base.support_plan_field)),
            segments={
                k: _choice(v, segment_values, f"{where}: segments.{k}")
                for k, v in _strings(_table(doc, "segments", where), "segments").items()
            },
            support_plans={
                k: _choice(v, SUPPORT_PLANS, f"{where}: support_plans.{k}")
                for k, v in _strings(_table(doc, "support_plans", where), "support_plans").items()
            },
            default_segment=_choice(
                str(defaults.get("segment", base.default_segment)),
                segment_values,
                f"{where}: defaults.segment",
            ),
            default_region=str(defaults.get("region", base.default_region)),
            default_industry=str(defaults.get("industry", base.default_industry)),
            metrics={**base.metrics, **metrics},
            business_time_zone=str(hours["time_zone"]) if "time_zone" in hours else None,
            bot_user_ids=frozenset(str(v) for v in users.get("bots", [])),
            ignore_event_types=frozenset(str(v) for v in events.get("ignore", [])),
        )


@dataclass(frozen=True)
class EntityMapping:
    """One contract entity from one vendor file: renames, value maps and defaults."""

    entity: str
    files: str  # a glob inside --from DIR
    columns: dict[str, str]  # contract column -> vendor column
    values: dict[str, dict[str, str]]  # contract column -> vendor value -> contract value
    defaults: dict[str, str]  # contract column -> value when the vendor has none
    formats: dict[str, str]  # contract column -> strptime format of the vendor's times


@dataclass(frozen=True)
class CsvMapping:
    """A vendor's CSV export described as data (`pulse import csv --mapping FILE`)."""

    path: Path
    source: str
    encoding: str
    delimiter: str
    entities: tuple[EntityMapping, ...]

    @classmethod
    def from_toml(cls, path: Path) -> CsvMapping:
        doc = load_toml(path)
        where = f"mapping file {path}"
        meta = _table(doc, "source", where)
        _unknown_keys(meta, {"name", "encoding", "delimiter"}, f"{where} [source]")
        _unknown_keys(doc, {"source", *ENTITIES}, where)
        entities = []
        for name in ENTITIES:
            if name not in doc:
                continue
            section = _table(doc, name, where)
            at = f"{where} [{name}]"
            _unknown_keys(section, {"files", "columns", "values", "defaults", "formats"}, at)
            if "files" not in section:
                raise PulseError(f'{at} needs files = "<glob>" naming the vendor\'s file(s)')
            contract = set(ENTITIES[name].column_names)
            columns = _strings(_table(section, "columns", at), f"{name}.columns")
            defaults = _strings(_table(section, "defaults", at), f"{name}.defaults")
            formats = _strings(_table(section, "formats", at), f"{name}.formats")
            values_table = _table(section, "values", at)
            values = {
                col: {k.lower(): v for k, v in _strings(_table(values_table, col, at), col).items()}
                for col in values_table
            }
            for named in (*columns, *defaults, *values, *formats):
                if named not in contract:
                    raise PulseError(
                        f"{at} names {named!r}, which is not a column of {name} "
                        f"(columns: {', '.join(ENTITIES[name].column_names)})"
                    )
            missing = [
                c for c in ENTITIES[name].required_columns if c not in columns and c not in defaults
            ]
            if missing:
                raise PulseError(
                    f"{at} maps no vendor column and no default onto the required column(s) "
                    f"{', '.join(missing)}; add them under [{name}.columns] or [{name}.defaults]"
                )
            entities.append(
                EntityMapping(name, str(section["files"]), columns, values, defaults, formats)
            )
        if not entities:
            raise PulseError(
                f"{where} maps no entity; add a section such as [tickets] (see docs/importers.md)"
            )
        return cls(
            path=path,
            source=str(meta.get("name", path.stem)),
            encoding=str(meta.get("encoding", "utf-8-sig")),
            delimiter=str(meta.get("delimiter", ",")),
            entities=tuple(entities),
        )
