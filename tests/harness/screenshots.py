"""`make screenshots`: a 1920x1080 PNG of every page into docs/screenshots/.

Serves the app for the configured warehouse on a free loopback port (a werkzeug thread
in this process) and drives Debian's Chromium through Playwright (never a downloaded
browser). Used by the README and as a visual check of the pages.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path

from warehouse.core.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
PAGES = ("okr", "sla", "teams", "engineer", "ticket", "customers", "revenue", "wall", "quality")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_in_thread(server, port: int):
    """Serve a Flask app on 127.0.0.1:port in a daemon thread; returns the werkzeug server."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", port, server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd


def sample_paths(settings) -> dict[str, str]:
    """URL of each page; the engineer and ticket pages use ids from the warehouse."""
    from dashboard import data

    viewer = data.Scope("vp", None, ())
    paths = {
        "okr": "/",
        "sla": "/sla",
        "teams": "/teams",
        "customers": "/customers",
        "revenue": "/revenue",
        "wall": "/wall",
        "quality": "/quality",
        "engineer": "/engineer/unknown",
        "ticket": "/ticket/unknown",
    }
    try:
        table = data.engineer_table(settings, viewer)
        if table.height:
            # The busiest engineer of the period: a picture of the page with data in
            # every chart, not of a specialist who handled nothing lately.
            busiest = table.filter(table["engineer_id"].is_not_null()).sort(
                "tickets_handled", descending=True, nulls_last=True
            )
            if busiest.height:
                paths["engineer"] = f"/engineer/{busiest['engineer_id'][0]}"
        snap = data.wall_snapshot(settings, viewer)
        if snap["queue"]:
            paths["ticket"] = f"/ticket/{snap['queue'][0]['ticket_id']}"
    except (data.NoWarehouse, data.MissingMart):
        pass
    return paths


def wait_ready(page, timeout_ms: int = 20_000) -> None:
    """Wait until Dash has rendered the page, no callback is pending and every chart and
    grid is drawn (the bench's definition), then for the grids' and clocks' first ticks."""
    from tests.harness.bench import MAIN_CONTENT_DRAWN

    page.wait_for_function(MAIN_CONTENT_DRAWN, timeout=timeout_ms, polling=50)
    page.wait_for_timeout(800)


def take(base_url: str, paths: dict[str, str], out_dir: Path, lang: str = "ru") -> list[Path]:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1920, "height": 1080}, locale="ru-RU" if lang == "ru" else "en-US"
        )
        page = context.new_page()
        for name in PAGES:
            page.goto(base_url + paths[name])
            wait_ready(page)
            target = out_dir / f"{name}.png"
            page.screenshot(path=str(target))
            written.append(target)
            print(f"  {target}")
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a PNG of every dashboard page.")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", choices=("ru", "en"), default="ru")
    args = parser.parse_args(argv)

    from dashboard.app import app
    from dashboard.components.context import SETTINGS_KEY

    settings = app.server.config[SETTINGS_KEY]
    if not Path(settings.warehouse_path).is_file():
        print(
            f"No warehouse at {settings.warehouse_path}: run `pulse load` and `pulse build` first."
        )
        return 2
    port = free_port()
    httpd = serve_in_thread(app.server, port)
    time.sleep(0.3)
    try:
        print(f"Screenshots of {settings.warehouse_path} -> {args.out}")
        take(f"http://127.0.0.1:{port}", sample_paths(settings), args.out, args.lang)
    finally:
        httpd.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
