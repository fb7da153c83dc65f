"""`pulse pull zendesk`: fetch Zendesk's incremental exports into an import directory.

Each response page is saved as it came (`<out>/<stream>/<n>.json`), which is exactly
what `pulse import zendesk` reads. After every page the position in each stream is
saved in `<out>/.pulse_pull_state.json`, so the next pull (or one after an
interruption) continues where the last stopped; `--since` only sets where a stream
with no saved position starts.

Streams and their paging (Zendesk's Incremental Exports reference):
- tickets, users: cursor-based incremental exports (`after_cursor`, `end_of_stream`);
- ticket_events (with the `comment_events` sideload), ticket_metric_events,
  organizations: time-based incremental exports (`next_page`, `end_time`,
  `end_of_stream`);
- satisfaction_ratings: `start_time` filter with cursor pagination (`meta.has_more`);
- groups, group_memberships: small lists fetched whole with cursor pagination.

HTTP 429 waits for `Retry-After` (capped), 5xx and connection errors back off
exponentially, both a bounded number of times. The API token is sent only as basic
auth to the account's own host, never logged, and never part of a message.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

from warehouse.core.errors import PulseError

STATE_FILE = ".pulse_pull_state.json"
MAX_ATTEMPTS = 6  # per request: the first try and five retries
MAX_WAIT_SECONDS = 120.0  # cap on one Retry-After or backoff wait
TIMEOUT_SECONDS = 60.0
PAGE_SIZE = 1000


@dataclass(frozen=True)
class Stream:
    name: str  # also the list key of its pages
    path: str
    paging: str  # cursor | time | list
    params: tuple[tuple[str, str], ...] = ()


STREAMS = (
    Stream("tickets", "/api/v2/incremental/tickets/cursor.json", "cursor"),
    Stream(
        "ticket_events",
        "/api/v2/incremental/ticket_events.json",
        "time",
        (("include", "comment_events"),),
    ),
    Stream("ticket_metric_events", "/api/v2/incremental/ticket_metric_events.json", "time"),
    Stream("satisfaction_ratings", "/api/v2/satisfaction_ratings.json", "list_since"),
    Stream("users", "/api/v2/incremental/users/cursor.json", "cursor"),
    Stream("organizations", "/api/v2/incremental/organizations.json", "time"),
    Stream("groups", "/api/v2/groups.json", "list"),
    Stream("group_memberships", "/api/v2/group_memberships.json", "list"),
)


class _Client:
    """One requests session with Zendesk's retry rules; knows nothing of streams."""

    def __init__(
        self, base_url: str, email: str, token: str, sleep: Callable[[float], None]
    ) -> None:
        self.base = base_url.rstrip("/")
        self.host = urlparse(self.base).netloc
        self.session = requests.Session()
        self.session.auth = (f"{email}/token", token)
        self.session.headers["Accept"] = "application/json"
        self.sleep = sleep
        self.waits: list[float] = []

    def get(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        if urlparse(url).netloc != self.host:
            raise PulseError(
                f"Zendesk sent a next-page link to another host ({urlparse(url).netloc}); "
                "refusing to send the credentials there"
            )
        shown = _shown(url)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = self.session.get(url, params=params, timeout=TIMEOUT_SECONDS)
            except requests.RequestException as exc:
                if attempt == MAX_ATTEMPTS:
                    raise PulseError(
                        f"cannot reach {shown} ({exc.__class__.__name__}) after {attempt} "
                        "tries; check the subdomain and the network"
                    ) from None
                self._wait(2.0 ** (attempt - 1))
                continue
            status = response.status_code
            if status == 429 and attempt < MAX_ATTEMPTS:
                self._wait(_retry_after(response.headers.get("Retry-After")))
                continue
            if status >= 500 and attempt < MAX_ATTEMPTS:
                self._wait(2.0 ** (attempt - 1))
                continue
            if status in (401, 403):
                raise PulseError(
                    f"Zendesk refused the credentials ({status}) for {shown}; check --email "
                    "and the token in --token-file (an admin's API token is needed)"
                )
            if status != 200:
                raise PulseError(
                    f"Zendesk answered {status} for {shown}"
                    + (f" after {attempt} tries" if status >= 429 else "")
                    + "; try again later or check the subdomain"
                )
            try:
                body = response.json()
            except ValueError:
                raise PulseError(f"Zendesk's answer for {shown} is not JSON; try again") from None
            if not isinstance(body, dict):
                raise PulseError(f"Zendesk's answer for {shown} is not a JSON object")
            return body
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait(self, seconds: float) -> None:
        seconds = min(max(seconds, 0.0), MAX_WAIT_SECONDS)
        self.waits.append(seconds)
        self.sleep(seconds)


def _retry_after(value: str | None) -> float:
    try:
        return float(value) if value is not None else 60.0
    except ValueError:
        return 60.0


def _shown(url: str) -> str:
    """The URL without its query (cursors are long and say nothing to a reader)."""
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _read_token(path: Path) -> str:
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise PulseError(f"token file {path} does not exist; check --token-file") from None
    except (OSError, UnicodeDecodeError):
        raise PulseError(f"cannot read the token file {path}; check --token-file") from None
    if not token or any(c.isspace() for c in token):
        raise PulseError(f"token file {path} must hold the API token alone on one line")
    return token


def _load_state(out: Path) -> dict[str, dict[str, Any]]:
    path = out / STATE_FILE
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise PulseError(
            f"{path} is damaged; remove it to pull everything again from --since"
        ) from None
    return state if isinstance(state, dict) else {}


def _save_json(path: Path, body: Any) -> None:
    """Write then rename, so a crash never leaves half a page or half a state file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.tmp")
    scratch.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    os.replace(scratch, path)


class _Puller:
    def __init__(self, client: _Client, out: Path, start_time: int) -> None:
        self.client = client
        self.out = out
        self.start_time = start_time
        self.state = _load_state(out)

    def _next_number(self, stream: str) -> int:
        numbers = [int(p.stem) for p in (self.out / stream).glob("*.json") if p.stem.isdigit()]
        return max(numbers, default=0) + 1

    def _keep(self, stream: Stream, body: dict[str, Any], position: dict[str, Any]) -> int:
        """Save one page, then the position after it; returns its object count."""
        items = body.get(stream.name)
        if not isinstance(items, list):
            raise PulseError(
                f"Zendesk's page of {stream.name} has no '{stream.name}' list; is "
                f"{self.client.base} a Zendesk Support account?"
            )
        _save_json(self.out / stream.name / f"{self._next_number(stream.name):06d}.json", body)
        self.state[stream.name] = position
        _save_json(self.out / STATE_FILE, self.state)
        return len(items)

    def pull(self, stream: Stream) -> tuple[int, int]:
        """Fetch one stream to its end; returns (pages, objects)."""
        saved = self.state.get(stream.name, {})
        base = self.client.base + stream.path
        params = dict(stream.params)
        pages = objects = 0
        if stream.paging == "cursor":
            if saved.get("cursor"):
                params["cursor"] = str(saved["cursor"])
            else:
                params["start_time"] = str(self.start_time)
            params["per_page"] = str(PAGE_SIZE)
            url: str | None = base
            while url:
                body = self.client.get(url, params)
                cursor = body.get("after_cursor") or params.get("cursor")
                objects += self._keep(stream, body, {"cursor": cursor})
                pages += 1
                if body.get("end_of_stream", True) or not body.get("after_cursor"):
                    break
                params = {**dict(stream.params), "cursor": str(body["after_cursor"])}
                params["per_page"] = str(PAGE_SIZE)
        elif stream.paging == "time":
            params["start_time"] = str(saved.get("start_time", self.start_time))
            url = base
            query: dict[str, str] | None = params
            while url:
                body = self.client.get(url, query)
                end_time = body.get("end_time") or saved.get("start_time", self.start_time)
                objects += self._keep(stream, body, {"start_time": int(end_time)})
                pages += 1
                if body.get("end_of_stream", True) or not body.get("next_page"):
                    break
                url, query = str(body["next_page"]), None
        else:  # list, list_since: cursor pagination of an ordinary list endpoint
            started = int(datetime.now(UTC).timestamp())
            if stream.paging == "list_since":
                params["start_time"] = str(saved.get("start_time", self.start_time))
            params["page[size]"] = "100"
            url, query = base, params
            while url:
                body = self.client.get(url, query)
                meta, links = body.get("meta") or {}, body.get("links") or {}
                more = bool(meta.get("has_more")) and bool(links.get("next"))
                done = {"start_time": started} if not more else saved
                objects += self._keep(stream, body, done)
                pages += 1
                url, query = (str(links["next"]), None) if more else (None, None)
        return pages, objects


def pull_zendesk(
    *,
    subdomain: str,
    email: str,
    token_file: Path,
    out: Path,
    since: date | None = None,
    base_url: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Pull every stream into `out`; returns the summary lines. `base_url` is for tests."""
    if base_url is None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", subdomain):
            raise PulseError(
                f"{subdomain!r} is not a Zendesk subdomain (the S of https://S.zendesk.com)"
            )
        base_url = f"https://{subdomain}.zendesk.com"
    token = _read_token(token_file)
    start = since or date(2000, 1, 1)
    start_time = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PulseError(f"cannot create {out}: {exc.strerror}; check --out") from None
    client = _Client(base_url, email, token, sleep)
    puller = _Puller(client, out, start_time)
    lines = [f"Pulled from {base_url} into {out}:"]
    for stream in STREAMS:
        pages, objects = puller.pull(stream)
        lines.append(f"  {stream.name:<22} {pages:>4} pages {objects:>8,} objects")
    if client.waits:
        lines.append(
            f"Waited {len(client.waits)} times ({sum(client.waits):.0f} s) for rate limits "
            "or server errors"
        )
    lines.append(f"Positions saved in {out / STATE_FILE}: the next pull continues from there")
    return lines
