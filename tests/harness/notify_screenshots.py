"""`make screenshots` (second half): a Slack alert and a digest page as PNGs for the README.

The alert picture is drawn from the very Block Kit payload `pulse alerts` would post for
the configured warehouse just after its as-of moment (header, fields, button), laid out
the way Slack shows such a message; the digest picture is the first page of a team
lead's weekly digest for the largest team, rendered by `dashboard.digest`. Both are
screenshots by Debian's headless Chromium.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import tempfile
from datetime import UTC, timedelta
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from warehouse.core.settings import PROJECT_ROOT, Settings, load_settings

CHROMIUM = "/usr/bin/chromium"

SLACK_CSS = """
body { margin: 0; background: #f8f8f8; font-family: 'DejaVu Sans', Lato, Arial, sans-serif; }
.msg { display: flex; gap: 10px; background: white; margin: 16px; padding: 14px 18px;
       border: 1px solid #ddd; border-radius: 8px; width: 560px; }
.avatar { width: 38px; height: 38px; border-radius: 6px; background: #0d6efd; color: white;
          font-weight: 700; display: flex; align-items: center; justify-content: center; }
.who { font-weight: 700; font-size: 15px; } .app { background: #eee; font-size: 10px;
       padding: 1px 4px; border-radius: 3px; color: #555; margin-left: 4px; }
.time { color: #777; font-size: 12px; margin-left: 6px; }
.header { font-size: 18px; font-weight: 700; margin: 6px 0 8px; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 18px; font-size: 14px; }
.button { display: inline-block; margin-top: 12px; border: 1px solid #bbb; border-radius: 4px;
          padding: 5px 12px; font-weight: 700; font-size: 13px; color: #1d1c1d; }
"""


def _shot(html_path: Path, png: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory(prefix="pulse-shot-") as profile:
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png}",
                html_path.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    print(f"wrote {png}")


def slack_picture(payload: dict, clock: str, out: Path, work: Path) -> None:
    """Lay out a Block Kit message (header, plain_text fields, one button) like Slack."""
    header, fields = payload["blocks"][0], payload["blocks"][1]
    button = payload["blocks"][2]["elements"][0] if len(payload["blocks"]) > 2 else None
    cells = "".join(f"<div>{escape(f['text'])}</div>" for f in fields["fields"])
    html = (
        f"<!doctype html><meta charset=utf-8><style>{SLACK_CSS}</style><div class=msg>"
        "<div class=avatar>SP</div><div><span class=who>Support Pulse</span>"
        f"<span class=app>APP</span><span class=time>{escape(clock)}</span>"
        f"<div class=header>{escape(header['text']['text'])}</div>"
        f"<div class=fields>{cells}</div>"
        + (f"<div class=button>{escape(button['text']['text'])}</div>" if button else "")
        + "</div></div>"
    )
    page = work / "slack.html"
    page.write_text(html, encoding="utf-8")
    _shot(page, out, 620, 250)


def alert_payload(settings: Settings) -> tuple[dict, str]:
    """The Slack message for the first due-soon alert just after the build's as-of, and
    that moment's local time (the message's time stamp in the picture)."""
    from warehouse.alerts import messages
    from warehouse.alerts.find import find_alerts, open_warehouse
    from warehouse.core.notify_config import AlertsConfig

    config = AlertsConfig(lang="en")
    con = open_warehouse(settings.warehouse_path)
    try:
        (as_of,) = con.execute("select max(as_of) from main.pulse_build").fetchone()
        now = as_of.replace(tzinfo=UTC) + timedelta(minutes=1)
        alerts = find_alerts(con, config, now, settings.timezone)
    finally:
        con.close()
    soon = [a for a in alerts if a.kind == "due_soon" and a.assignee] or alerts
    if not soon:
        raise SystemExit("no alert applies just after the build's as-of: nothing to draw")
    clock = now.astimezone(ZoneInfo(settings.timezone)).strftime("%H:%M")
    return messages.slack(soon[0], now, settings.timezone, "en", config.dashboard_url), clock


def digest_picture(settings: Settings, out: Path, work: Path) -> None:
    from dashboard.digest import __main__ as digest_cli
    from warehouse.core.notify_config import Recipient, load_notify_config

    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    (team,) = con.execute(
        "select team_id from dim_engineer group by 1 order by count(*) desc, 1 limit 1"
    ).fetchone()
    con.close()
    config = load_notify_config(settings)
    config = dataclasses.replace(config, digest=dataclasses.replace(config.digest, out_dir=work))
    recipient = Recipient("lead@example.com", "lead", "en", (str(team),), ("lead-weekly",))
    written = digest_cli.write(settings, config, "lead-weekly", recipient)
    _shot(written.html, out, 800, 1130)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    settings = load_settings()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pulse-notify-") as tmp:
        work = Path(tmp)
        payload, clock = alert_payload(settings)
        slack_picture(payload, clock, args.out / "alert-slack.png", work)
        digest_picture(settings, args.out / "digest-lead-weekly.png", work)


if __name__ == "__main__":
    main()
