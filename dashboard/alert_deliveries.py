"""Failed alert deliveries for the data quality page.

`pulse alerts` rewrites a small JSON file after every run (`delivery_status_path`) with
the deliveries of the last seven days that failed after all retries, or whose outcome
is unknown because the run was killed mid-send. The page reads that file, never the
ops DuckDB: an alerts run holds the database's write lock, and a dashboard request
must never wait for it. The rows carry ticket ids and channel names only, no names.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from dashboard import formatting as fmt
from dashboard import i18n
from warehouse.core.notify_config import delivery_status_path
from warehouse.core.settings import Settings


def read(settings: Settings) -> dict[str, Any] | None:
    """The last alerts run's report, or None when alerts have never run here."""
    path = delivery_status_path(settings)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def moment(text: str | None) -> datetime | None:
    """An ISO UTC stamp of the report, as an aware datetime (None when unreadable)."""
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def rows(document: dict[str, Any], lang: str, tz: str) -> list[dict[str, Any]]:
    """Grid rows: when, channel, alert, ticket, attempts, status, error."""
    out = []
    for item in document.get("failures") or []:
        status = "failed" if item.get("status") == "failed" else "unconfirmed"
        out.append(
            {
                "at": fmt.datetime_(moment(item.get("last_at")), lang, tz),
                "channel": str(item.get("channel") or ""),
                "alert": i18n.t(f"dq.alert_kind.{item.get('kind')}", lang),
                "ticket": str(item.get("ticket_id") or fmt.DASH),
                "metric": i18n.label("metric", item.get("metric"), lang),
                "attempts": item.get("attempts"),
                "status": i18n.t(f"dq.delivery.{status}", lang),
                "error": str(item.get("error") or ""),
            }
        )
    return out
