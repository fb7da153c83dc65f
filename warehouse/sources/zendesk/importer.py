"""`pulse import zendesk`: Zendesk Support objects -> contract batches.

Reads what `objects.read_directory` found, maps each stream onto its contract entity
(docs/importers.md has the table) and writes one CSV batch per entity through
`batches.write_batches`, all or nothing. Every value the mapping cannot place is
counted and listed at the end instead of being dropped silently; a problem that makes
the result untrustworthy (unknown event type, a ticket without events, a mapping
naming a field nobody has) stops the import with one sentence before anything is
written.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warehouse.core.contract import ENTITIES
from warehouse.core.errors import PulseError
from warehouse.sources.batches import Report, Row, batch_stem, write_batches
from warehouse.sources.mapping import SUPPORT_PLANS, ZendeskMapping
from warehouse.sources.zendesk.objects import Objects, read_directory

VENDOR = "zendesk"
PRIORITIES = {"urgent": "critical", "high": "high", "normal": "medium", "low": "low"}
STATUSES = {
    "new": "new",
    "open": "open",
    "pending": "pending",
    "hold": "on_hold",
    "solved": "solved",
    "closed": "closed",
}
CHANNELS = {
    "email": "email",
    "mail": "email",
    "web": "web",
    "web_form": "web",
    "web_widget": "web",
    "mobile": "web",
    "mobile_sdk": "web",
    "help_center": "web",
    "chat": "chat",
    "chat_transcript": "chat",
    "native_messaging": "chat",
    "messaging": "chat",
    "voice": "phone",
    "phone": "phone",
    "api": "api",
    "web_service": "api",
}
TIER_OF_GROUP = {"tier1": "1", "tier2": "2", "tier3": "3", "tam": "tam"}
COMMENT_TYPES = {"Comment", "VoiceComment"}
# Audit event types that say nothing about the ticket's clocks (Zendesk's Ticket Audit
# events reference). Anything else is unknown and stops the import; a mapping file can
# add types to ignore under [events] ignore.
IGNORED_EVENT_TYPES = {
    "Audit",
    "Notification",
    "NotificationWithCcs",
    "SmsNotification",
    "Cc",
    "FollowerNotification",
    "FollowerChange",
    "EmailCcChange",
    "AgentMacroReference",
    "MacroReference",
    "SatisfactionRating",
    "TicketSharingEvent",
    "TicketUnshareEvent",
    "OrganizationActivity",
    "SlaTargetChange",
    "Error",
    "Tweet",
    "FacebookEvent",
    "FacebookComment",
    "External",
    "LogMeInTranscript",
    "Push",
    "ChatStartedEvent",
    "ChatEndedEvent",
    "AssociateAttValsEvent",
    "SurveyOffered",
    "SurveyResponseSubmitted",
    "OfferedTo",
    "RoutingChannel",
    "CollaborationThreadCreated",
    "CommentRedactionEvent",
    "AttachmentRedactionEvent",
    "CommentPrivacyChange",
    "Translatable",
}
METRIC_EVENT_TYPES = {
    "activate",
    "pause",
    "fulfill",
    "apply_sla",
    "apply_group_sla",
    "breach",
    "update_status",
    "measure",
}
CLOCK_FIELDS = ("status", "priority", "group_id", "assignee_id")


def _iso(value: Any, where: str) -> str:
    """Zendesk's time as an ISO-8601 UTC string; unix seconds are accepted too."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str) and value:
        return value
    raise PulseError(f"{where} has no time; re-export it from Zendesk")


def _via_channel(via: Any) -> str:
    """`via.channel` of an object, or the label the ticket events export uses."""
    if isinstance(via, dict):
        via = via.get("channel")
    return re.sub(r"[^a-z0-9]+", "_", str(via or "").lower()).strip("_")


def _is_bot_channel(channel: str) -> bool:
    return channel.startswith("answer_bot") or channel in {"ai_agent", "bot"}


class _Converter:
    """One import: maps each stream onto its entity and counts what it had to guess.

    Tickets are converted first: the deleted ones it skips are then left out of every
    other stream, so no event, rating or verdict points at a ticket that is not there.
    """

    def __init__(self, objects: Objects, mapping: ZendeskMapping) -> None:
        self.o = objects
        self.m = mapping
        self.report = Report()
        self.groups = objects["groups"]
        self.users = objects["users"]
        self.skipped_tickets: set[str] = set()

    # -- reference data ----------------------------------------------------------

    def _mapped(self, table: dict[str, str], key: Any) -> str | None:
        """Look a Zendesk id up in a mapping table by id, then by the object's name."""
        if key is None:
            return None
        if str(key) in table:
            return table[str(key)]
        name = self.groups.get(str(key), {}).get("name")
        return table.get(str(name)) if name is not None else None

    def tier(self, group_id: Any, *, count: bool = False) -> str:
        """The tier of a Zendesk group; `count` tallies a guess (once per ticket)."""
        if group_id is None:
            self.report.unmapped["tickets without a group: tier1"] += 1
            return "tier1"
        mapped = self._mapped(self.m.groups, group_id)
        if mapped:
            return mapped
        name = str(self.groups.get(str(group_id), {}).get("name", group_id))
        guess = _guess_tier(name)
        key = f"tickets in group {name!r}: tier guessed from its name as {guess}"
        self.report.unmapped[key] += 1 if count else 0
        return guess

    def check_mapping_names(self) -> None:
        """A mapping that names something absent is a typo: say so before importing."""
        where = f"the mapping file {self.m.source}"
        known_groups = {str(k) for k in self.groups} | {
            str(g.get("name")) for g in self.groups.values()
        }
        for table, what in ((self.m.groups, "groups"), (self.m.group_leads, "group_leads")):
            for name in table:
                if self.groups and name not in known_groups:
                    raise PulseError(
                        f"{where} names group {name!r} under [{what}], but the export has no "
                        f"such group (groups: {', '.join(sorted(known_groups))[:300]}); fix it"
                    )
        tickets = self.o["tickets"].values()
        if self.m.product_area_field is not None and tickets:
            ids = {str(f.get("id")) for t in tickets for f in t.get("custom_fields") or []}
            if self.m.product_area_field not in ids:
                raise PulseError(
                    f"{where} names ticket field {self.m.product_area_field} as the product "
                    f"area, but no ticket has that custom field (fields seen: "
                    f"{', '.join(sorted(ids)) or 'none'}); fix [ticket_fields] product_area"
                )
        orgs = self.o["organizations"].values()
        if self.m.source != ZendeskMapping().source and orgs:
            seen = {k for org in orgs for k in (org.get("organization_fields") or {})}
            defaults = ZendeskMapping()
            for attr in ("segment_field", "region_field", "industry_field", "support_plan_field"):
                name = getattr(self.m, attr)
                if name != getattr(defaults, attr) and name not in seen:
                    raise PulseError(
                        f"{where} names organization field {name!r}, but no organization has "
                        f"it (fields seen: {', '.join(sorted(seen)) or 'none'}); fix "
                        "[organization_fields]"
                    )

    # -- tickets -----------------------------------------------------------------

    def tickets(self) -> list[Row]:
        rows = []
        for key, t in sorted(self.o["tickets"].items(), key=lambda kv: _num_key(kv[0])):
            where = self.o.where("tickets", key)
            status = str(t.get("status") or "").lower()
            if status == "deleted":
                self.skipped_tickets.add(key)
                self.report.notes.append(f"ticket {key} is deleted in Zendesk: skipped")
                continue
            if status not in STATUSES:
                raise PulseError(
                    f"{where}: ticket {key} has status {t.get('status')!r}, not one of Zendesk's "
                    f"{', '.join(STATUSES)} or deleted; re-export it"
                )
            channel = _via_channel(t.get("via"))
            mapped_channel = CHANNELS.get(channel) or ("bot" if _is_bot_channel(channel) else None)
            if mapped_channel is None:
                self.report.unmapped[f"channel {channel or 'none'!r}: web"] += 1
                mapped_channel = "web"
            priority = PRIORITIES.get(str(t.get("priority") or "").lower())
            if priority is None:
                self.report.unmapped["tickets without a priority: medium"] += 1
                priority = "medium"
            account = t.get("organization_id")
            if account is None:
                self.report.unmapped["tickets without an organization: account 'none'"] += 1
            rows.append(
                {
                    "ticket_id": key,
                    "created_at": _iso(t.get("created_at"), where),
                    "updated_at": _iso(t.get("updated_at") or t.get("created_at"), where),
                    "account_id": str(account) if account is not None else "none",
                    "requester_id": _text(t.get("requester_id")),
                    "channel": mapped_channel,
                    "priority": priority,
                    "status": STATUSES[status],
                    "type": str(t.get("type") or ""),
                    "product_area": self.product_area(t),
                    "group_name": self.tier(t.get("group_id"), count=True),
                    "assignee_id": _text(t.get("assignee_id")),
                    "language": "",
                    "subject": str(t.get("subject") or ""),
                    "is_proactive": "false",
                }
            )
        return rows

    def product_area(self, ticket: dict[str, Any]) -> str:
        if self.m.product_area_field is None:
            return ""
        value = next(
            (
                f.get("value")
                for f in ticket.get("custom_fields") or []
                if str(f.get("id")) == self.m.product_area_field
            ),
            None,
        )
        if value in (None, ""):
            return ""
        text = str(value)
        if text in self.m.product_areas:
            return self.m.product_areas[text]
        if text.lower() in ENTITIES["tickets"].column("product_area").values:
            return text.lower()
        self.report.unmapped[f"product area {text!r}: left empty"] += 1
        return ""

    # -- events ------------------------------------------------------------------

    def role(self, author: Any, channel: str, requester: Any) -> str:
        if str(author) in self.m.bot_user_ids or _is_bot_channel(channel):
            return "bot"
        if channel in {"rule", "system"} or str(author) == "-1" or author is None:
            return "system"
        user = self.users.get(str(author))
        if user is None:
            if str(author) != str(requester):
                self.report.unmapped["event authors missing from users: customer"] += 1
            return "customer"
        return "customer" if user.get("role") == "end-user" else "agent"

    def events(self) -> list[Row]:
        """Audits and incremental ticket events -> ticket_events, one id per child event."""
        rows: dict[str, Row] = {}
        for stream in ("ticket_audits", "ticket_events"):
            for key, parent in self.o[stream].items():
                where = self.o.where(stream, key)
                ticket = str(parent.get("ticket_id"))
                if ticket in self.skipped_tickets:
                    continue
                children = parent.get("events" if stream == "ticket_audits" else "child_events")
                if not isinstance(children, list):
                    raise PulseError(
                        f"{where} has no list of child events; export audits (or ticket "
                        "events with include=comment_events)"
                    )
                at = _iso(parent.get("created_at") or parent.get("timestamp"), where)
                for row in self._children(parent, children, ticket, at, where):
                    rows[row["event_id"]] = row
        return sorted(rows.values(), key=lambda r: (_num_key(r["ticket_id"]), r["event_at"]))

    def _children(
        self, parent: dict[str, Any], children: list[Any], ticket: str, at: str, where: str
    ) -> list[Row]:
        requester = self.o["tickets"].get(ticket, {}).get("requester_id")
        parent_author = parent.get("author_id", parent.get("updater_id"))
        parent_channel = _via_channel(parent.get("via"))
        out: list[Row] = []

        def emit(event_id: str, kind: str, actor: Any, channel: str, **values: str) -> None:
            out.append(
                {
                    "event_id": event_id,
                    "ticket_id": ticket,
                    "event_at": at,
                    "event_type": kind,
                    "actor_id": _text(actor) if str(actor) != "-1" else "",
                    "actor_role": self.role(actor, channel, requester),
                    "is_public": values.get("is_public", ""),
                    "from_value": values.get("from_value", ""),
                    "to_value": values.get("to_value", ""),
                }
            )

        created = False
        for i, child in enumerate(children):
            cwhere = f"{where}, event {i}"
            if not isinstance(child, dict) or child.get("id") is None:
                raise PulseError(f"{cwhere} has no id; re-export the ticket's audits")
            kind = child.get("type") or child.get("event_type")
            cid = str(child["id"])
            channel = _via_channel(child.get("via")) or parent_channel
            if kind in COMMENT_TYPES:
                author = child.get("author_id", parent_author)
                public = "true" if child.get("public", True) else "false"
                emit(cid, "comment", author, channel, is_public=public)
                continue
            if kind not in ("Create", "Change"):
                if kind in IGNORED_EVENT_TYPES or kind in self.m.ignore_event_types:
                    continue
                raise PulseError(
                    f"{cwhere} has the unknown event type {kind!r}; if it does not change the "
                    f"ticket, add it to [events] ignore in the mapping file"
                )
            name, value = _field_change(child)
            if name not in CLOCK_FIELDS:
                continue
            if kind == "Create" and not created:
                created = True
                emit(f"{parent['id']}-created", "created", parent_author, parent_channel)
            previous = child.get("previous_value")
            row = self._change(kind, name, value, previous)
            if row is not None:
                emit(cid, row[0], parent_author, channel, from_value=row[1], to_value=row[2])
        return out

    def _change(
        self, kind: str, name: str, value: Any, previous: Any
    ) -> tuple[str, str, str] | None:
        if name == "status":
            to = STATUSES.get(str(value).lower())
            if kind == "Create":
                return None if to in (None, "new") else ("status_changed", "new", to)
            start = STATUSES.get(str(previous).lower(), "") if previous else ""
            return ("status_changed", start, to) if to else None
        if name == "priority":
            if kind == "Create":
                return None
            to = PRIORITIES.get(str(value).lower(), "")
            start = PRIORITIES.get(str(previous).lower(), "")
            return ("priority_changed", start, to) if to else None
        if name == "group_id":
            if kind == "Create" or value in (None, ""):
                return None
            start = self.tier(previous) if previous not in (None, "") else ""
            return ("group_changed", start, self.tier(value))
        # assignee_id
        if value in (None, ""):
            return None
        return ("assigned", _text(previous), _text(value))

    def check_every_ticket_has_events(self, events: list[Row], tickets: list[Row]) -> None:
        with_events = {e["ticket_id"] for e in events if e["event_type"] == "created"}
        for t in tickets:
            if t["ticket_id"] not in with_events:
                where = self.o.where("tickets", t["ticket_id"])
                raise PulseError(
                    f"{where}: ticket {t['ticket_id']} has no Create audit among the ticket "
                    "events or audits, so its SLA clocks cannot be computed; export its audits "
                    "(or ticket events from before it was created) into the same directory"
                )

    # -- people and organisations ------------------------------------------------

    def engineers(self) -> list[Row]:
        memberships: dict[str, list[dict[str, Any]]] = {}
        for gm in self.o["group_memberships"].values():
            memberships.setdefault(str(gm.get("user_id")), []).append(gm)
        rows = []
        for key, user in sorted(self.users.items(), key=lambda kv: _num_key(kv[0])):
            if user.get("role") not in ("agent", "admin") or key in self.m.bot_user_ids:
                continue
            where = self.o.where("users", key)
            mine = memberships.get(key, [])
            group = next((gm.get("group_id") for gm in mine if gm.get("default")), None)
            group = group or user.get("default_group_id") or (mine[0]["group_id"] if mine else None)
            if group is None:
                self.report.unmapped["agents without a group: team 'none', tier 1"] += 1
            lead = self._mapped(self.m.group_leads, group) if group is not None else None
            rows.append(
                {
                    "engineer_id": key,
                    "full_name": str(user.get("name") or key),
                    "email": str(user.get("email") or ""),
                    "team_id": str(group) if group is not None else "none",
                    "team_name": str(self.groups.get(str(group), {}).get("name", group or "none")),
                    "support_tier": TIER_OF_GROUP[self.tier(group)] if group is not None else "1",
                    "lead_id": lead if lead and lead != key else "",
                    "hired_at": _iso(user.get("created_at"), where),
                    "left_at": (
                        _iso(user.get("updated_at") or user.get("created_at"), where)
                        if user.get("active") is False
                        else ""
                    ),
                    "location": str(user.get("time_zone") or ""),
                }
            )
        return rows

    def accounts(self) -> tuple[list[Row], list[Row]]:
        """Organizations -> accounts, and their support plan as a support_plan contract."""
        segments = ENTITIES["accounts"].column("segment").values
        accounts, contracts = [], []
        for key, org in sorted(self.o["organizations"].items(), key=lambda kv: _num_key(kv[0])):
            where = self.o.where("organizations", key)
            fields = org.get("organization_fields") or {}
            raw_segment = fields.get(self.m.segment_field)
            segment = self.m.segments.get(str(raw_segment)) if raw_segment else None
            if segment is None and raw_segment and str(raw_segment).lower() in segments:
                segment = str(raw_segment).lower()
            if segment is None:
                self.report.unmapped[
                    f"organization segment {_label(raw_segment)}: {self.m.default_segment}"
                ] += 1
                segment = self.m.default_segment
            region = fields.get(self.m.region_field) or self.m.default_region
            created = _iso(org.get("created_at"), where)
            accounts.append(
                {
                    "account_id": key,
                    "account_name": str(org.get("name") or key),
                    "industry": str(fields.get(self.m.industry_field) or self.m.default_industry),
                    "segment": segment,
                    "region": str(region),
                    "tam_id": "",
                    "created_at": created,
                }
            )
            raw_plan = fields.get(self.m.support_plan_field)
            plan = self.m.support_plans.get(str(raw_plan)) if raw_plan else None
            if plan is None and raw_plan and str(raw_plan).lower() in SUPPORT_PLANS:
                plan = str(raw_plan).lower()
            if plan is None:
                self.report.unmapped[f"organization support plan {_label(raw_plan)}: free"] += 1
                continue
            contracts.append(
                {
                    "contract_id": f"zendesk-plan-{key}",
                    "account_id": key,
                    "product": "support_plan",
                    "support_tier": plan,
                    "start_date": created[:10],
                    "end_date": "",
                    "mrr": "0",
                    "currency": "USD",
                }
            )
        return accounts, contracts

    # -- satisfaction and SLA verdicts ---------------------------------------------

    def csat(self) -> list[Row]:
        rows = []
        for key, r in sorted(self.o["satisfaction_ratings"].items(), key=lambda kv: kv[0]):
            where = self.o.where("satisfaction_ratings", key)
            ticket = str(r.get("ticket_id"))
            if ticket in self.skipped_tickets:
                continue
            score = r.get("score")
            text = str(score).lower()
            row = {"score": "", "rating": ""}
            if text in ("good", "bad"):
                row["rating"] = text
            elif text.isdigit() and 1 <= int(text) <= 5:
                row["score"] = text
            elif text in ("offered", "unoffered"):
                self.report.unmapped["satisfaction surveys offered but not answered: skipped"] += 1
                continue
            else:
                raise PulseError(
                    f"{where}: satisfaction rating {key} has the score {score!r}, which is "
                    "neither good/bad nor 1-5; re-export it or remove the object"
                )
            rows.append(
                {
                    "response_id": key,
                    "ticket_id": ticket,
                    "responded_at": _iso(r.get("updated_at") or r.get("created_at"), where),
                    **row,
                    "comment": str(r.get("comment") or ""),
                }
            )
        return rows

    def vendor_sla_events(self) -> list[Row]:
        rows = []
        for key, e in sorted(self.o["ticket_metric_events"].items(), key=lambda kv: kv[0]):
            where = self.o.where("ticket_metric_events", key)
            ticket = str(e.get("ticket_id"))
            if ticket in self.skipped_tickets:
                continue
            kind = str(e.get("type") or "")
            if kind not in METRIC_EVENT_TYPES:
                if kind in self.m.ignore_event_types:
                    continue
                raise PulseError(
                    f"{where} has the unknown ticket metric event type {kind!r} (known: "
                    f"{', '.join(sorted(METRIC_EVENT_TYPES))}); add it to [events] ignore in "
                    "the mapping file to skip it"
                )
            if kind == "breach" and e.get("deleted"):
                # Zendesk withdraws a breach when the SLA is re-applied before it was due.
                self.report.unmapped["breaches Zendesk later withdrew (deleted): skipped"] += 1
                continue
            vendor_metric = str(e.get("metric") or "")
            instance = int(e.get("instance_id") or 1)
            metric = self.m.metrics.get(vendor_metric, "none")
            if metric == "first_response" and instance > 1:
                metric = "next_reply"
            sla = e.get("sla") or e.get("group_sla") or {}
            target = sla.get("target")
            if target is None and sla.get("target_in_seconds") is not None:
                target = int(sla["target_in_seconds"]) // 60
            business = sla.get("business_hours")
            policy = sla.get("policy") or {}
            rows.append(
                {
                    "vendor": VENDOR,
                    "event_id": key,
                    "ticket_id": ticket,
                    "vendor_metric": vendor_metric,
                    "metric": "" if metric == "none" else metric,
                    "instance_id": str(instance),
                    "event_type": kind,
                    "event_at": _iso(e.get("time"), where),
                    "target_minutes": "" if target is None else str(int(target)),
                    "business_hours": "" if business is None else str(bool(business)).lower(),
                    "policy": str(policy.get("title") or policy.get("id") or ""),
                }
            )
        return rows


def _guess_tier(name: str) -> str:
    low = name.lower()
    if "tam" in low or "account manager" in low:
        return "tam"
    for digit in ("3", "2"):
        if re.search(rf"(^|[^0-9]){digit}([^0-9]|$)", low):
            return f"tier{digit}"
    return "tier1"


def _field_change(child: dict[str, Any]) -> tuple[str | None, Any]:
    """The field a Create/Change child sets: `field_name` in audits, a key in events."""
    if "field_name" in child:
        return str(child["field_name"]), child.get("value")
    for name in CLOCK_FIELDS:
        if name in child:
            return name, child[name]
    return None, None


def _label(value: Any) -> str:
    return repr(str(value)) if value not in (None, "") else "(empty)"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _num_key(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (0, key)


def import_zendesk(
    source: Path,
    raw_dir: Path,
    *,
    mapping: ZendeskMapping | None = None,
    timezone: str = "Europe/Moscow",
) -> Report:
    """Convert the Zendesk export under `source` into batches under `raw_dir`."""
    mapping = mapping or ZendeskMapping()
    objects = read_directory(source)
    if not objects["tickets"]:
        raise PulseError(
            f"{source} holds no tickets; export the incremental tickets stream "
            '(tickets.jsonl or {"tickets": [...]} pages) into it'
        )
    conv = _Converter(objects, mapping)
    conv.check_mapping_names()
    tickets = conv.tickets()
    events = conv.events()
    conv.check_every_ticket_has_events(events, tickets)
    accounts, contracts = conv.accounts()
    rows = {
        "accounts": accounts,
        "contracts": contracts,
        "engineers": conv.engineers(),
        "tickets": tickets,
        "ticket_events": events,
        "csat_responses": conv.csat(),
        "vendor_sla_events": conv.vendor_sla_events(),
    }
    if mapping.business_time_zone and mapping.business_time_zone != timezone:
        conv.report.notes.append(
            f"Zendesk's business hours run in {mapping.business_time_zone}, Support Pulse's "
            f"in {timezone}: business-hours verdicts may differ (reason business_calendar)"
        )
    conv.report.rows = {name: len(r) for name, r in rows.items()}
    write_batches(raw_dir, batch_stem(VENDOR), rows)
    return conv.report
