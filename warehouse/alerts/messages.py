"""One alert rendered for each kind of channel.

Text from the extracts (ticket ids, engineer names) is never markup here: Slack gets
Block Kit `plain_text` objects and a button for the link, Telegram plain text without a
parse mode, Mattermost Markdown with every special character escaped, and the generic
webhook plain JSON values. The link to `/ticket/<id>` carries the id URL-encoded.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from warehouse.alerts.find import Alert

# (ru, en): the team works in Russian (DESIGN s1); alerts use [alerts] lang.
_TEXT: dict[str, tuple[str, str]] = {
    "due_soon": ("Скоро нарушение SLA", "SLA breach soon"),
    "breached": ("Нарушение SLA", "SLA breached"),
    "compliance": ("SLA ниже порога эскалации", "SLA below the escalation threshold"),
    "ticket": ("Заявка", "Ticket"),
    "tier": ("Уровень", "Tier"),
    "priority": ("Приоритет", "Priority"),
    "metric": ("Метрика", "Metric"),
    "time_left": ("Осталось", "Time left"),
    "breached_at": ("Нарушено в", "Breached at"),
    "assignee": ("Исполнитель", "Assignee"),
    "unassigned": ("не назначен", "unassigned"),
    "open": ("Открыть заявку", "Open ticket"),
    "min": ("{n} мин", "{n} min"),
    "first_response": ("Первый ответ", "First response"),
    "resolution": ("Решение", "Resolution"),
    "next_reply": ("Следующий ответ", "Next reply"),
    "day": ("День", "Day"),
    "compliance_value": ("Соблюдение", "Compliance"),
    "threshold": ("Порог", "Threshold"),
    "counts": ("{met} в срок, {breached} с нарушением", "{met} met, {breached} breached"),
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~@:])")


def _t(key: str, lang: str, **values: object) -> str:
    ru, en = _TEXT[key]
    text = ru if lang == "ru" else en
    return text.format(**values) if values else text


def ticket_url(dashboard_url: str, ticket_id: str) -> str:
    return f"{dashboard_url.rstrip('/')}/ticket/{quote(ticket_id, safe='')}"


def _percent(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:.1f}"
    return f"{text.replace('.', ',')} %" if lang == "ru" else f"{text}%"


def fields(alert: Alert, now: datetime, tz: str, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs every channel shows, in order, as plain text."""
    if alert.kind == "compliance":
        return [
            (_t("metric", lang), _t(alert.metric, lang)),
            (_t("day", lang), alert.day.isoformat() if alert.day else "—"),
            (_t("compliance_value", lang), _percent(alert.compliance, lang)),
            (_t("threshold", lang), _percent(alert.threshold, lang)),
            ("", _t("counts", lang, met=alert.met, breached=alert.breached)),
        ]
    if alert.kind == "due_soon":
        timing = (_t("time_left", lang), _t("min", lang, n=max(alert.minutes_left(now) or 0, 0)))
    else:
        local = alert.due_at.astimezone(ZoneInfo(tz)) if alert.due_at else None
        timing = (_t("breached_at", lang), local.strftime("%Y-%m-%d %H:%M") if local else "—")
    return [
        (_t("ticket", lang), str(alert.ticket_id)),
        (_t("tier", lang), str(alert.support_tier)),
        (_t("priority", lang), str(alert.priority)),
        (_t("metric", lang), _t(alert.metric, lang)),
        timing,
        (_t("assignee", lang), alert.assignee or _t("unassigned", lang)),
    ]


def title(alert: Alert, lang: str) -> str:
    suffix = f": {alert.ticket_id}" if alert.ticket_id else f": {_t(alert.metric, lang)}"
    return _t(alert.kind, lang) + suffix


def plain_text(alert: Alert, now: datetime, tz: str, lang: str, dashboard_url: str) -> str:
    lines = [title(alert, lang)]
    lines += [f"{k}: {v}" if k else v for k, v in fields(alert, now, tz, lang)]
    if alert.ticket_id:
        lines.append(ticket_url(dashboard_url, alert.ticket_id))
    return "\n".join(lines)


def slack(alert: Alert, now: datetime, tz: str, lang: str, dashboard_url: str) -> dict[str, Any]:
    """A Block Kit message: header, the fields as plain text, a button to the ticket."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title(alert, lang)[:150]}},
        {
            "type": "section",
            "fields": [
                {"type": "plain_text", "text": f"{k}: {v}" if k else v}
                for k, v in fields(alert, now, tz, lang)
            ],
        },
    ]
    if alert.ticket_id:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _t("open", lang)},
                        "url": ticket_url(dashboard_url, alert.ticket_id),
                    }
                ],
            }
        )
    return {"text": title(alert, lang), "blocks": blocks}


def _escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def mattermost(
    alert: Alert, now: datetime, tz: str, lang: str, dashboard_url: str
) -> dict[str, Any]:
    lines = [f"#### {_escape_markdown(title(alert, lang))}"]
    for k, v in fields(alert, now, tz, lang):
        value = _escape_markdown(v)
        lines.append(f"**{_escape_markdown(k)}**: {value}" if k else value)
    if alert.ticket_id:
        lines.append(f"[{_t('open', lang)}]({ticket_url(dashboard_url, alert.ticket_id)})")
    return {"text": "\n".join(lines)}


def telegram(
    alert: Alert, now: datetime, tz: str, lang: str, dashboard_url: str, chat_id: str
) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "text": plain_text(alert, now, tz, lang, dashboard_url),
        "disable_web_page_preview": True,
    }


def webhook(alert: Alert, now: datetime, dashboard_url: str) -> dict[str, Any]:
    """Plain JSON for any receiver: the alert's facts, times in ISO UTC."""
    return {
        "event": f"pulse.sla.{alert.kind}",
        "key": alert.key,
        "metric": alert.metric,
        "ticket_id": alert.ticket_id,
        "support_tier": alert.support_tier,
        "priority": alert.priority,
        "due_at": alert.due_at.isoformat() if alert.due_at else None,
        "minutes_left": alert.minutes_left(now),
        "assignee": alert.assignee,
        "url": ticket_url(dashboard_url, alert.ticket_id) if alert.ticket_id else None,
        "day": alert.day.isoformat() if alert.day else None,
        "compliance": alert.compliance,
        "threshold": alert.threshold,
        "met": alert.met if alert.kind == "compliance" else None,
        "breached": alert.breached if alert.kind == "compliance" else None,
    }
