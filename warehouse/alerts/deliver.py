"""Posting one message to one channel, with bounded retries and no secret in any log.

Attempts: 1 + `retries`; after the n-th failure the sender waits `backoff * 2**(n-1)`,
never more than `max_backoff`. A 4xx answer other than 408/429 is the receiver saying
the request is wrong (a revoked webhook, a bad chat id): retrying cannot help, so it
stops there. Error texts have the secret (the URL, the bot token) replaced by `***`.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from warehouse.core.notify_config import AlertsConfig, Channel


@dataclass(frozen=True)
class Delivery:
    ok: bool
    attempts: int
    error: str | None = None


def endpoint(channel: Channel, secret: str) -> str:
    if channel.kind == "telegram":
        return f"{channel.api_base}/bot{secret}/sendMessage"
    return secret


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def _post(url: str, payload: dict[str, Any], timeout: float) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def send(
    channel: Channel,
    secret: str,
    payload: dict[str, Any],
    config: AlertsConfig,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST `payload` as JSON; returns whether it arrived, after how many attempts."""
    url = endpoint(channel, secret)
    if not url.startswith(("http://", "https://")):
        return Delivery(False, 0, f"channel {channel.name}: the secret is not an http(s) URL")
    error = ""
    attempts = 0
    for attempt in range(1 + config.retries):
        attempts = attempt + 1
        try:
            _post(url, payload, config.timeout.total_seconds())
            return Delivery(True, attempts)
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code} {exc.reason}"
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                break
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            error = f"{type(exc).__name__}: {reason}"
        if attempt < config.retries:
            delay = config.backoff.total_seconds() * 2**attempt
            sleep(min(delay, config.max_backoff.total_seconds()))
    return Delivery(False, attempts, _redact(error, secret))
