"""One alerts run: find what applies now, post what each channel has not had yet.

Order per alert and channel: skip if settled, claim (durable), post with retries,
record the answer. Quiet hours hold back alerts of priorities not in `quiet_allow`
(and compliance alerts) without recording them, so they go out on the first run after
quiet hours if they still apply; a due-soon alert held overnight that has breached by
morning arrives as the breach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from warehouse.alerts import deliver, messages
from warehouse.alerts.find import Alert, find_alerts, open_warehouse
from warehouse.alerts.state import AlertState, Busy
from warehouse.core.errors import PulseError
from warehouse.core.notify_config import (
    AlertsConfig,
    Channel,
    delivery_status_path,
    load_notify_config,
    ops_db_path,
)
from warehouse.core.settings import Settings


@dataclass
class RunSummary:
    found: int = 0
    sent: int = 0
    failed: int = 0
    held: int = 0
    skipped_busy: bool = False

    def line(self) -> str:
        if self.skipped_busy:
            return "alerts: skipped, another alerts run holds the state database"
        text = f"alerts: {self.found} applicable, {self.sent} sent, {self.failed} failed"
        return text + (f", {self.held} held for quiet hours" if self.held else "")


def payload(
    channel: Channel, alert: Alert, now: datetime, tz: str, lang: str, config: AlertsConfig
) -> dict[str, Any]:
    url = config.dashboard_url
    if channel.kind == "slack":
        return messages.slack(alert, now, tz, lang, url)
    if channel.kind == "mattermost":
        return messages.mattermost(alert, now, tz, lang, url)
    if channel.kind == "telegram":
        return messages.telegram(alert, now, tz, lang, url, channel.chat_id or "")
    return messages.webhook(alert, now, url)


def _held(alert: Alert, config: AlertsConfig, now: datetime, tz: str) -> bool:
    if not config.is_quiet(now.astimezone(ZoneInfo(tz)).time()):
        return False
    return alert.priority not in config.quiet_allow


def run_alerts(
    settings: Settings,
    *,
    now: datetime | None = None,
    config: AlertsConfig | None = None,
    sleep: Callable[[float], None] | None = None,
) -> RunSummary:
    """Post every applicable alert not yet sent; returns counts for a one-line report."""
    config = config or load_notify_config(settings).alerts
    if not config.channels:
        raise PulseError(
            "no alert channels are configured: add [[alerts.channels]] to "
            f"{settings.data_dir / 'pulse.toml'} (docs/OPERATIONS.md, Alerts and digests)"
        )
    now = (now or datetime.now(UTC)).astimezone(UTC)
    tz = settings.timezone
    con = open_warehouse(settings.warehouse_path)
    try:
        alerts = find_alerts(con, config, now, tz)
    finally:
        con.close()
    summary = RunSummary(found=len(alerts))
    try:
        state = AlertState.open(ops_db_path(settings))
    except Busy:
        summary.skipped_busy = True
        return summary
    try:
        for channel in config.channels:
            settled = state.settled(channel.name)
            due = [a for a in alerts if a.key not in settled]
            held = [a for a in due if _held(a, config, now, tz)]
            summary.held += len(held)
            due = [a for a in due if a not in held]
            if not due:
                continue
            try:
                secret = channel.secret.read()
            except PulseError as exc:
                # every alert of this channel fails visibly (data quality page) and is
                # tried again by the next run, once the secret is back
                for alert in due:
                    state.claim(alert.key, channel.name, alert.kind, alert.ticket_id, alert.metric)
                    state.finish(alert.key, channel.name, False, 0, str(exc))
                summary.failed += len(due)
                continue
            for alert in due:
                state.claim(alert.key, channel.name, alert.kind, alert.ticket_id, alert.metric)
                result = deliver.send(
                    channel,
                    secret,
                    payload(channel, alert, now, tz, config.lang, config),
                    config,
                    **({"sleep": sleep} if sleep else {}),
                )
                state.finish(alert.key, channel.name, result.ok, result.attempts, result.error)
                if result.ok:
                    summary.sent += 1
                else:
                    summary.failed += 1
        state.write_status(delivery_status_path(settings))
    finally:
        state.close()
    return summary


def alerts_configured(settings: Settings) -> bool:
    """Validate `pulse.toml` now (a mistake stops `pulse refresh` before its first cycle)
    and say whether any channel is configured, i.e. whether refresh should run alerts."""
    return bool(load_notify_config(settings).alerts.channels)


def after_refresh(settings: Settings) -> str:
    """The `after_cycle` hook of `pulse refresh`: one alerts run, reported in one line.

    The build is published by then, so an alerts problem (a missing warehouse mart, a
    locked-out state file) is reported in the cycle's line rather than failing it.
    """
    try:
        return run_alerts(settings).line()
    except PulseError as exc:
        return f"alerts failed: {exc}"
