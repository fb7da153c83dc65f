"""Issue 11 in a real browser (headless Chromium): extract text that looks like markup
stays text in the grids and charts, and the strict script policy breaks no page.

The dashboard serves the hostile hand-made warehouse of `test_security` in-process on a
loopback port (no dbt build needed)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from test_security import HOSTILE_TEAM, HOSTILE_TICKET, ME, _hostile_warehouse, _settings

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking"]  # fmt: skip


@pytest.fixture(scope="module")
def base(built_warehouse, tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    root = tmp_path_factory.mktemp("browser-security")
    hostile = _hostile_warehouse(built_warehouse.settings.warehouse_path, root / "w.duckdb")
    app = create_app(_settings(root, hostile, "none", None))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture(scope="module")
def page(base):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(locale="en-US")
        pg.errors = []  # type: ignore[attr-defined]
        pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
        yield pg
        browser.close()


def test_a_markdown_ticket_id_is_a_link_to_its_own_ticket_and_nothing_else(base, page) -> None:
    page.goto(base + f"/engineer/{ME}")
    page.wait_for_selector("#eng-qa .ag-cell a", timeout=30_000)
    links = page.eval_on_selector_all(
        "#eng-qa .ag-cell a, #eng-csat .ag-cell a, #eng-tickets .ag-cell a",
        "els => els.map(e => [e.getAttribute('href'), e.textContent])",
    )
    hostile = [href for href, text in links if text == HOSTILE_TICKET]
    # the link names the page it was opened from (`?from=`, issue 13) and nothing else
    assert hostile and set(hostile) == {
        "/ticket/EVIL%5D(http%3A%2F%2Fevil.example%2Fphish?from=engineer"
    }
    assert not [href for href, _t in links if "evil.example" in href and "%2F" not in href]
    assert not page.errors, page.errors[:3]


def test_a_team_name_with_html_is_shown_as_text_in_the_chart(base, page) -> None:
    page.goto(base + "/sla")
    page.wait_for_selector("#sla-by-team .ytick text", timeout=30_000)
    ticks = page.eval_on_selector_all(
        "#sla-by-team .ytick text", "els => els.map(e => e.textContent)"
    )
    assert HOSTILE_TEAM in ticks
    assert page.locator("#sla-by-team a").count() == 0
    assert not page.errors, page.errors[:3]


@pytest.mark.parametrize(
    ("path", "selector"),
    [
        ("/", "#okr-summary"),
        ("/teams", "#teams-grid .ag-cell.cell-good, #teams-grid .ag-cell.cell-bad"),
        ("/customers", "#nps-chart .main-svg"),
        ("/revenue", "#kpi-revenue"),
        ("/quality", "#dq-batches"),
        ("/wall", ".wall-row .cd"),
    ],
)
def test_pages_run_under_the_strict_script_policy(base, page, path: str, selector: str) -> None:
    page.goto(base + path)
    page.wait_for_selector(selector, timeout=30_000)
    assert page.evaluate("() => document.title").startswith("Support Pulse")  # inline, hashed
    assert not page.errors, page.errors[:3]
