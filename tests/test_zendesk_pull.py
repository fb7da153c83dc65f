"""`pulse pull zendesk` against a fake Zendesk on 127.0.0.1 (no real network): paginated
cursor and time-based exports, one 429 with Retry-After and one 503, the saved positions
that make the next pull continue, and a pulled directory that `pulse import zendesk`
reads. The fake serves the fixture's objects for tickets 111-121 (tests/data/zendesk)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from warehouse.core.errors import PulseError
from warehouse.sources.zendesk.importer import import_zendesk
from warehouse.sources.zendesk.objects import read_directory
from warehouse.sources.zendesk.pull import STATE_FILE, pull_zendesk

FIXTURE = Path(__file__).parent / "data" / "zendesk"
TOKEN = "s3cr3t-T0KEN-value"
EMAIL = "admin@example.com"


class FakeZendesk:
    """Serves the fixture in pages; fails the first ticket request with 429, the second
    with 503. `generation` 2 is what Zendesk has after new activity (one more ticket)."""

    def __init__(self) -> None:
        objs = read_directory(FIXTURE)
        keep = {str(n) for n in range(111, 122)}
        self.tickets = [t for k, t in sorted(objs["tickets"].items()) if k in keep]
        self.events = list(objs["ticket_events"].values())
        self.metric_events = [
            e for e in objs["ticket_metric_events"].values() if str(e["ticket_id"]) in keep
        ]
        self.lists = {
            name: list(objs[name].values())
            for name in (
                "users", "organizations", "groups", "group_memberships", "satisfaction_ratings"
            )
        }  # fmt: skip
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.failures = {"429": 1, "503": 1}
        self.generation = 1
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

            def do_GET(self) -> None:
                expected = base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    return self._send(401, {"error": "Couldn't authenticate you"})
                url = urlparse(self.path)
                query = parse_qs(url.query)
                fake.requests.append((url.path, query))
                status, body, headers = fake.answer(url.path, query)
                self._send(status, body, headers)

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def answer(self, path: str, q: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        one = {k: v[0] for k, v in q.items()}
        if path == "/api/v2/incremental/tickets/cursor.json":
            if self.failures["429"]:
                self.failures["429"] -= 1
                return 429, {"error": "APIRateLimitExceeded"}, {"Retry-After": "7"}
            cursor = one.get("cursor")
            if cursor is None:  # first page from start_time
                page = {"tickets": self.tickets[:6], "after_cursor": "c1", "end_of_stream": False}
            elif cursor == "c1":
                if self.failures["503"]:
                    self.failures["503"] -= 1
                    return 503, {"error": "Service Unavailable"}, {}
                page = {"tickets": self.tickets[6:], "after_cursor": "c2", "end_of_stream": True}
            elif cursor == "c2" and self.generation == 2:
                new = dict(self.tickets[0], id=999, updated_at="2025-05-07T00:00:00Z")
                page = {"tickets": [new], "after_cursor": "c3", "end_of_stream": True}
            else:
                page = {"tickets": [], "after_cursor": cursor, "end_of_stream": True}
            page["after_url"] = None
            return 200, page, {}
        if path == "/api/v2/incremental/ticket_events.json":
            if one.get("start_time") == "1700000000":  # the second page
                return 200, self._time_page("ticket_events", self.events[15:], 1700000100), {}
            if one.get("start_time") == "1700000100":  # a later pull: nothing new
                return 200, self._time_page("ticket_events", [], 1700000100), {}
            body = self._time_page("ticket_events", self.events[:15], 1700000000, more=True)
            return 200, body, {}
        if path == "/api/v2/incremental/ticket_metric_events.json":
            return 200, self._time_page("ticket_metric_events", self.metric_events, 1700000200), {}
        if path == "/api/v2/incremental/users/cursor.json":
            users = self.lists["users"] if "start_time" in one else []
            return 200, {"users": users, "after_cursor": "u1", "end_of_stream": True}, {}
        if path == "/api/v2/incremental/organizations.json":
            orgs = self.lists["organizations"] if one.get("start_time") != "1700000300" else []
            return 200, self._time_page("organizations", orgs, 1700000300), {}
        name = path.removeprefix("/api/v2/").removesuffix(".json")
        if name in self.lists:
            items = self.lists[name]
            if name == "groups" and "page[after]" not in one:  # two pages of groups
                more = {"has_more": True, "after_cursor": "g1"}
                nxt = f"{self.url}/api/v2/groups.json?page[size]=100&page[after]=g1"
                return 200, {"groups": items[:2], "meta": more, "links": {"next": nxt}}, {}
            if name == "groups":
                items = items[2:]
            return 200, {name: items, "meta": {"has_more": False}, "links": {"next": None}}, {}
        return 404, {"error": "InvalidEndpoint"}, {}

    def _time_page(self, key: str, items: list[Any], end: int, more: bool = False) -> Any:
        nxt = f"{self.url}/api/v2/incremental/{key}.json?start_time={end}" if more else None
        return {
            key: items,
            "next_page": nxt,
            "end_time": end,
            "end_of_stream": not more,
            "count": len(items),
        }

    def __enter__(self) -> FakeZendesk:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeZendesk]:
    with FakeZendesk() as server:
        yield server


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


def _pull(fake: FakeZendesk, token_file: Path, out: Path, waits: list[float]) -> list[str]:
    return pull_zendesk(
        subdomain="ignored", email=EMAIL, token_file=token_file, out=out,
        base_url=fake.url, sleep=waits.append,
    )  # fmt: skip


def test_pull_pages_through_every_stream_and_honours_429_and_503(
    fake: FakeZendesk, token_file: Path, tmp_path: Path
) -> None:
    out, waits = tmp_path / "zendesk", []
    lines = _pull(fake, token_file, out, waits)
    # Retry-After: 7 for the 429, then the first backoff step (1 s) for the 503
    assert waits == [7.0, 1.0]
    pages = {p.name: len(list(p.glob("*.json"))) for p in out.iterdir() if p.is_dir()}
    assert pages == {
        "tickets": 2,
        "ticket_events": 2,
        "ticket_metric_events": 1,
        "satisfaction_ratings": 1,
        "users": 1,
        "organizations": 1,
        "groups": 2,
        "group_memberships": 1,
    }
    state = json.loads((out / STATE_FILE).read_text())
    assert state["tickets"] == {"cursor": "c2"}
    assert state["ticket_events"] == {"start_time": 1700000100}
    assert state["organizations"] == {"start_time": 1700000300}
    assert "  tickets                   2 pages       11 objects" in lines
    assert "Waited 2 times (8 s) for rate limits or server errors" in lines
    assert TOKEN not in "\n".join(lines)
    # the first request of each export starts at --since's default, the comment events
    # are sideloaded, and the second ticket events page follows next_page
    first = {path: q for path, q in reversed(fake.requests)}
    assert first["/api/v2/incremental/tickets/cursor.json"]["start_time"] == ["946684800"]
    assert first["/api/v2/incremental/ticket_events.json"]["include"] == ["comment_events"]
    assert ("/api/v2/incremental/ticket_events.json", {"start_time": ["1700000000"]}) in (
        fake.requests
    )

    # the pulled directory is what `pulse import zendesk` reads
    report = import_zendesk(out, tmp_path / "raw")
    assert report.rows["tickets"] == 10  # 111-121 less the deleted 120
    # 111: 3 + 4, 112: 3 + 2, 113: none, 114: 3 + 2, 115, 116, 118, 121: 6 each,
    # 117: 3 + 4, 119: 3 + 2
    assert report.rows["vendor_sla_events"] == 53


def test_the_next_pull_continues_where_the_last_stopped(
    fake: FakeZendesk, token_file: Path, tmp_path: Path
) -> None:
    out, waits = tmp_path / "zendesk", []
    _pull(fake, token_file, out, waits)
    fake.requests.clear()
    fake.generation = 2
    lines = _pull(fake, token_file, out, waits)
    asked = {path: {k: v[0] for k, v in q.items()} for path, q in fake.requests}
    assert asked["/api/v2/incremental/tickets/cursor.json"]["cursor"] == "c2"
    assert asked["/api/v2/incremental/ticket_events.json"]["start_time"] == "1700000100"
    assert "  tickets                   1 pages        1 objects" in lines
    assert json.loads((out / STATE_FILE).read_text())["tickets"] == {"cursor": "c3"}
    assert sorted(p.name for p in (out / "tickets").glob("*.json")) == [
        "000001.json",
        "000002.json",
        "000003.json",
    ]


def test_a_rejected_token_is_one_sentence_that_never_shows_the_token(
    fake: FakeZendesk, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-token")
    with pytest.raises(PulseError) as err:
        _pull(fake, wrong, tmp_path / "zendesk", [])
    assert str(err.value).startswith("Zendesk refused the credentials (401) for http://127.0.0.1")
    assert "not-the-token" not in str(err.value)


def test_a_server_that_keeps_failing_gives_up_after_bounded_backoff(
    fake: FakeZendesk, token_file: Path, tmp_path: Path
) -> None:
    fake.failures["429"] = 100
    waits: list[float] = []
    with pytest.raises(PulseError) as err:
        _pull(fake, token_file, tmp_path / "zendesk", waits)
    assert waits == [7.0] * 5  # six tries in all
    assert "Zendesk answered 429 for" in str(err.value)
    assert "after 6 tries" in str(err.value)
    assert not (tmp_path / "zendesk" / "tickets").exists()


def test_a_missing_token_file_and_a_bad_subdomain_are_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(PulseError, match=r"token file .* does not exist"):
        pull_zendesk(subdomain="acme", email=EMAIL, token_file=tmp_path / "nope", out=tmp_path)
    with pytest.raises(PulseError, match="is not a Zendesk subdomain"):
        pull_zendesk(
            subdomain="evil.com/x", email=EMAIL, token_file=tmp_path / "nope", out=tmp_path
        )


def test_the_command_line_reports_a_missing_token_file_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "pull", "zendesk", "--subdomain", "acme",
         "--email", EMAIL, "--token-file", str(tmp_path / "absent"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr
        == f"pulse: token file {tmp_path / 'absent'} does not exist; check --token-file\n"
    )
