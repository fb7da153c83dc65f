"""Breach alerts (issue 17): what is found, what each channel receives, sent once.

A hand-made warehouse with nine SLA clocks around NOW (10:00 UTC, 13:00 in Moscow) gives
values worked out by hand; one test runs against the real small warehouse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dashboard import alert_deliveries
from tests.conftest import EXTRACT_END, PipelineRun, make_settings, pulse_env
from tests.notify_servers import Receiver, serve_receiver
from warehouse.alerts.run import run_alerts
from warehouse.alerts.state import AlertState
from warehouse.core.errors import PulseError
from warehouse.core.notify_config import (
    delivery_status_path,
    load_notify_config,
    ops_db_path,
)
from warehouse.core.settings import Settings

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

# ticket, metric, tier, priority, due_at (UTC, naive), outcome, assignee
CLOCKS = [
    ("T1", "first_response", "premium", "critical", "2026-03-02 10:10", "pending", "E1"),
    ("T2", "resolution", "standard", "high", "2026-03-02 10:50", "pending", None),
    ("T3", "resolution", "standard", "low", "2026-03-02 12:00", "pending", "E2"),
    ("T4", "resolution", "premium", "critical", "2026-03-02 10:20", "pending", "E1"),
    ("T5", "first_response", "professional", "high", "2026-03-02 09:30", "breached", "E2"),
    ("T6", "resolution", "professional", "high", "2026-02-27 09:00", "breached", "E2"),
    ("T7<b>&", "resolution", "standard", "medium", "2026-03-02 09:55", "pending", "E2"),
    ("T8", "resolution", "premium", "high", None, "pending", "E1"),
    ("T9", "first_response", "premium", "high", "2026-03-02 10:05", "met", "E1"),
]
CONFIG = """
[alerts]
lang = "en"
lead_time = {{ default = "1h", "premium.critical" = "15m" }}
breach_lookback = "24h"
retries = 2
backoff = "0.01s"
max_backoff = "0.02s"
timeout = "2s"
min_outcomes = 20
{channels}
"""


def _hand_made_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(
        "create table fct_sla_outcomes (ticket_id varchar, metric varchar, support_tier varchar,"
        " priority varchar, due_at timestamp, outcome varchar, engineer_id varchar)"
    )
    con.execute("create table fct_tickets (ticket_id varchar, assignee_id varchar)")
    con.execute("create table dim_engineer (engineer_id varchar, full_name varchar)")
    con.execute(
        "create table fct_sla_daily (outcome_date date, support_tier varchar, priority varchar,"
        " metric varchar, met_count bigint, breached_count bigint)"
    )
    for ticket, metric, tier, prio, due, outcome, engineer in CLOCKS:
        con.execute(
            "insert into fct_sla_outcomes values (?, ?, ?, ?, ?, ?, ?)",
            [ticket, metric, tier, prio, due, outcome, engineer],
        )
        con.execute("insert into fct_tickets values (?, ?)", [ticket, engineer])
    con.execute("insert into dim_engineer values ('E1', 'Анна Петрова'), ('E2', 'Ivan Sidorov')")
    # 13:00 in Moscow on 2 March: first response 90 of 100 met (below 95 %), resolution
    # 95 of 100 (above 93 %); the day before is below both but is not today.
    con.execute(
        "insert into fct_sla_daily values "
        "('2026-03-02', 'premium', 'high', 'first_response', 60, 6),"
        "('2026-03-02', 'standard', 'low', 'first_response', 30, 4),"
        "('2026-03-02', 'premium', 'high', 'resolution', 95, 5),"
        "('2026-03-01', 'premium', 'high', 'resolution', 10, 90)"
    )
    con.close()


def _settings(tmp_path: Path, channels: str) -> Settings:
    settings = make_settings(tmp_path)
    _hand_made_warehouse(settings.warehouse_path)
    (tmp_path / "pulse.toml").write_text(CONFIG.format(channels=channels), encoding="utf-8")
    return settings


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve_receiver()


@pytest.fixture
def slack_env(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("PULSE_TEST_SLACK_URL", receiver.url)
    return receiver


SLACK = '[[alerts.channels]]\nkind = "slack"\nname = "room"\nurl_env = "PULSE_TEST_SLACK_URL"\n'


def _slack_alerts(receiver: Receiver) -> dict[str, dict]:
    """Received Slack messages by header text."""
    return {body["blocks"][0]["text"]["text"]: body for body in receiver.bodies()}


def test_alerts_arrive_once_with_their_content(tmp_path: Path, slack_env: Receiver) -> None:
    settings = _settings(tmp_path, SLACK)
    summary = run_alerts(settings, now=NOW)
    got = _slack_alerts(slack_env)
    assert sorted(got) == [
        "SLA below the escalation threshold: First response",
        "SLA breach soon: T1",
        "SLA breach soon: T2",
        "SLA breached: T5",
        "SLA breached: T7<b>&",
    ]
    assert (summary.found, summary.sent, summary.failed) == (5, 5, 0)
    t1 = got["SLA breach soon: T1"]
    fields = [f["text"] for f in t1["blocks"][1]["fields"]]
    assert fields == [
        "Ticket: T1",
        "Tier: premium",
        "Priority: critical",
        "Metric: First response",
        "Time left: 10 min",
        "Assignee: Анна Петрова",
    ]
    assert all(f["type"] == "plain_text" for f in t1["blocks"][1]["fields"])
    button = t1["blocks"][2]["elements"][0]
    assert button["url"] == "http://127.0.0.1:8050/ticket/T1"
    # the extract's text is never markup: a plain_text header and an encoded link
    t7 = got["SLA breached: T7<b>&"]
    assert t7["blocks"][0]["text"]["type"] == "plain_text"
    assert t7["blocks"][2]["elements"][0]["url"] == "http://127.0.0.1:8050/ticket/T7%3Cb%3E%26"
    assert "Breached at: 2026-03-02 12:55" in [f["text"] for f in t7["blocks"][1]["fields"]]
    assert "Assignee: unassigned" in [
        f["text"] for f in got["SLA breach soon: T2"]["blocks"][1]["fields"]
    ]
    low = [
        f["text"]
        for f in got["SLA below the escalation threshold: First response"]["blocks"][1]["fields"]
    ]
    assert low == [
        "Metric: First response",
        "Day: 2026-03-02",
        "Compliance: 90.0%",
        "Threshold: 95.0%",
        "90 met, 10 breached",
    ]

    # A second refresh at the same moment sends nothing.
    slack_env.clear()
    again = run_alerts(settings, now=NOW)
    assert slack_env.bodies() == []
    assert (again.found, again.sent) == (5, 0)

    # A quarter of an hour later T1 has breached after its due-soon alert: one breach
    # alert; T4 is now within its 15-minute lead time; nothing else repeats.
    run_alerts(settings, now=NOW + timedelta(minutes=15))
    assert sorted(_slack_alerts(slack_env)) == ["SLA breach soon: T4", "SLA breached: T1"]
    slack_env.clear()
    run_alerts(settings, now=NOW + timedelta(minutes=16))
    assert slack_env.bodies() == []


def test_restart_and_overlapping_runs_never_repeat(tmp_path: Path, slack_env: Receiver) -> None:
    """Two `pulse alerts` processes at once, then a third: each alert arrives once."""
    settings = _settings(tmp_path, SLACK)
    env = {**pulse_env(settings), "PULSE_TEST_SLACK_URL": slack_env.url}
    env["PULSE_CONFIG"] = str(tmp_path / "pulse.toml")
    cmd = [sys.executable, "-m", "warehouse.cli", "alerts", "--now", NOW.isoformat()]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert len(slack_env.bodies()) == 5
    assert sorted(o[0].strip() for o in outputs) == [
        "alerts: 5 applicable, 0 sent, 0 failed",
        "alerts: 5 applicable, 5 sent, 0 failed",
    ]
    third = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert third.stdout.strip() == "alerts: 5 applicable, 0 sent, 0 failed"
    assert len(slack_env.bodies()) == 5


def test_failing_receiver_is_retried_and_recorded(tmp_path: Path, receiver: Receiver) -> None:
    hook = receiver.url
    channels = f'[[alerts.channels]]\nkind = "webhook"\nname = "ops"\nurl_file = "{tmp_path}/url"\n'
    (tmp_path / "url").write_text(hook + "\n", encoding="utf-8")
    settings = _settings(tmp_path, channels)
    receiver.status = 500
    waits: list[float] = []
    summary = run_alerts(settings, now=NOW, sleep=waits.append)
    # 5 alerts, each tried 1 + 2 times, waiting 0.01 s then 0.02 s (the cap)
    assert (summary.sent, summary.failed) == (0, 5)
    assert len(receiver.bodies()) == 15
    assert waits == [0.01, 0.02] * 5
    status = json.loads(delivery_status_path(settings).read_text(encoding="utf-8"))
    failures = {f["key"]: f for f in status["failures"]}
    assert set(failures) == {
        "due_soon:T1:first_response",
        "due_soon:T2:resolution",
        "breached:T5:first_response",
        "breached:T7<b>&:resolution",
        "compliance:2026-03-02:first_response",
    }
    assert failures["due_soon:T1:first_response"]["attempts"] == 3
    assert failures["due_soon:T1:first_response"]["error"] == "HTTP 500 Internal Server Error"
    assert "SECRET-TOKEN" not in delivery_status_path(settings).read_text(encoding="utf-8")
    # what the data quality page shows of it (times in Moscow)
    shown = alert_deliveries.rows(alert_deliveries.read(settings), "en", "Europe/Moscow")
    t1 = next(row for row in shown if row["ticket"] == "T1")
    assert {k: t1[k] for k in ("channel", "alert", "metric", "attempts", "status", "error")} == {
        "channel": "ops",
        "alert": "Due soon",
        "metric": "First response",
        "attempts": 3,
        "status": "Failed",
        "error": "HTTP 500 Internal Server Error",
    }

    # The receiver recovers: the next run delivers each failed alert once, and the
    # data quality file empties.
    receiver.clear()
    receiver.status = 200
    assert run_alerts(settings, now=NOW, sleep=waits.append).sent == 5
    assert len(receiver.bodies()) == 5
    assert receiver.bodies()[0]["event"].startswith("pulse.sla.")
    assert json.loads(delivery_status_path(settings).read_text())["failures"] == []
    receiver.clear()
    assert run_alerts(settings, now=NOW).sent == 0


def test_mattermost_and_telegram_messages(tmp_path: Path, receiver: Receiver, monkeypatch) -> None:
    monkeypatch.setenv("PULSE_TEST_MM", receiver.url)
    monkeypatch.setenv("PULSE_TEST_TG_TOKEN", "123:ABC")
    base = receiver.url.rsplit("/hook", 1)[0]
    channels = (
        '[[alerts.channels]]\nkind = "mattermost"\nurl_env = "PULSE_TEST_MM"\n'
        '[[alerts.channels]]\nkind = "telegram"\ntoken_env = "PULSE_TEST_TG_TOKEN"\n'
        f'chat_id = "-100200"\napi_base = "{base}"\n'
    )
    settings = _settings(tmp_path, channels)
    run_alerts(settings, now=NOW)
    bodies, paths = receiver.bodies(), receiver.paths
    assert paths.count("/bot123:ABC/sendMessage") == 5
    mm = [b["text"] for b in bodies if "chat_id" not in b]
    tg = [b for b in bodies if "chat_id" in b]
    t7 = next(text for text in mm if "T7" in text)
    assert t7.splitlines()[:2] == ["#### SLA breached\\: T7\\<b\\>&", "**Ticket**: T7\\<b\\>&"]
    assert "[Open ticket](http://127.0.0.1:8050/ticket/T7%3Cb%3E%26)" in t7
    tg1 = next(b for b in tg if b["text"].startswith("SLA breach soon: T1"))
    assert tg1["chat_id"] == "-100200" and "parse_mode" not in tg1
    assert "Assignee: Анна Петрова" in tg1["text"].splitlines()


def test_quiet_hours_hold_all_but_critical(tmp_path: Path, slack_env: Receiver) -> None:
    settings = _settings(tmp_path, SLACK)
    text = (
        (tmp_path / "pulse.toml")
        .read_text()
        .replace('lang = "en"', 'lang = "en"\nquiet_hours = "12:00-14:00"')
    )
    (tmp_path / "pulse.toml").write_text(text)
    summary = run_alerts(settings, now=NOW)  # 13:00 in Moscow: quiet
    assert sorted(_slack_alerts(slack_env)) == ["SLA breach soon: T1"]
    assert summary.held == 4
    slack_env.clear()
    # 14:10 in Moscow: the held ones that still apply go out (T2 and T4 have breached
    # meanwhile, so they come as breaches), T1 breaches, T3 is now 50 minutes from due
    run_alerts(settings, now=NOW + timedelta(minutes=70))
    assert sorted(_slack_alerts(slack_env)) == [
        "SLA below the escalation threshold: First response",
        "SLA breach soon: T3",
        "SLA breached: T1",
        "SLA breached: T2",
        "SLA breached: T4",
        "SLA breached: T5",
        "SLA breached: T7<b>&",
    ]


def test_config_mistakes_are_one_sentence_each(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    (tmp_path / "pulse.toml").write_text(
        "[alerts]\nlead_time = { default = 'soon', 'premium.urgent' = '5m' }\n"
        "thresholds = { first_response = 195 }\nquiet_hours = '22:00'\n"
        "[[alerts.channels]]\nkind = 'slack'\nurl = 'https://hooks.slack.com/x'\n"
        "[[digest.recipients]]\nemail = 'lead@example.com'\nrole = 'lead'\n"
        "[smtp]\nhost = 'mail'\nsender = 'pulse@example.com'\nprot = 25\n",
        encoding="utf-8",
    )
    with pytest.raises(PulseError) as caught:
        load_notify_config(settings)
    lines = str(caught.value).splitlines()
    assert lines[0].endswith("pulse.toml has 7 problem(s):")
    assert [line.strip() for line in lines[1:]] == [
        "alerts.channels #1.url must not hold the secret itself: put it in a file and set "
        "url_file, or in the environment and set url_env",
        'alerts.lead_time.default = \'soon\' is not a duration: write it like "15m", "1h" or "90s"',
        "alerts.lead_time.premium.urgent: 'premium.urgent' is not a tier or tier.priority; "
        'write it like premium or "premium.critical" (tiers premium, professional, '
        "standard; priorities critical, high, medium, low)",
        "alerts.thresholds.first_response = 195: write a percentage like 95",
        "alerts.quiet_hours = '22:00': write it like \"22:00-08:00\"",
        "digest.recipients #1 is a lead and needs team_ids (the teams they see by name)",
        "smtp.prot is not a setting: use one of ca_file, host, password, password_env, "
        "password_file, port, sender, starttls, timeout, username",
    ]
    assert "hooks.slack.com" not in str(caught.value)


def test_refresh_runs_the_after_cycle_hook(tmp_path: Path, monkeypatch, capsys) -> None:
    """`pulse refresh` reports the hook's line after the build (load and build stubbed)."""
    from types import SimpleNamespace

    from warehouse.pipeline import build, load, refresh

    monkeypatch.setattr(load, "load", lambda *a, **k: SimpleNamespace(failed_files=[]))
    monkeypatch.setattr(build, "build", lambda *a, **k: SimpleNamespace(build_id="b1", seconds=1.0))
    seen: list[Settings] = []

    def hook(settings: Settings) -> str:
        seen.append(settings)
        return "alerts: 2 applicable, 2 sent, 0 failed"

    settings = make_settings(tmp_path)
    refresh.refresh(settings, tmp_path, every=None, after_cycle=hook)
    assert seen == [settings]
    assert capsys.readouterr().out.strip() == (
        "refresh: published build b1 in 1.0 s; alerts: 2 applicable, 2 sent, 0 failed"
    )


def test_alerts_on_the_real_warehouse(built_warehouse: PipelineRun, tmp_path: Path,
                                      slack_env: Receiver) -> None:  # fmt: skip
    """On the small demo build, just after its as-of: what the marts hold, sent once."""
    wh = built_warehouse.settings
    settings = wh.with_overrides(data_dir=tmp_path)
    (tmp_path / "pulse.toml").write_text(CONFIG.format(channels=SLACK), encoding="utf-8")
    now = EXTRACT_END + timedelta(minutes=1)
    con = duckdb.connect(str(wh.warehouse_path), read_only=True)
    # by hand: clocks due within the hour ahead (no premium critical ones in it) or in
    # the day before, still pending or breached
    expected = con.execute(
        "select count(*) from fct_sla_outcomes where outcome in ('pending', 'breached') "
        "and due_at > ? and due_at <= ? and not (support_tier = 'premium' and "
        "priority = 'critical' and due_at > ?)",
        [
            (now - timedelta(hours=24)).replace(tzinfo=None),
            (now + timedelta(hours=1)).replace(tzinfo=None),
            (now + timedelta(minutes=15)).replace(tzinfo=None),
        ],
    ).fetchone()[0]
    con.close()
    summary = run_alerts(settings, now=now)
    assert expected > 0
    assert summary.sent == summary.found == len(slack_env.bodies()) >= expected
    slack_env.clear()
    assert run_alerts(settings, now=now).sent == 0
    assert slack_env.bodies() == []
    state = AlertState.open(ops_db_path(settings))
    assert (
        state.con.execute("select count(*) from alert_sent where status = 'sent'").fetchone()[0]
        == summary.sent
    )
    state.close()


def test_unreadable_secret_fails_visibly_and_refresh_reports_it(tmp_path: Path) -> None:
    """A missing webhook file: every alert of that channel is a recorded failure (tried
    again next run), and the refresh hook reports problems in its line, not a crash."""
    from warehouse.alerts.run import after_refresh

    channels = f'[[alerts.channels]]\nkind = "slack"\nurl_file = "{tmp_path}/missing"\n'
    settings = _settings(tmp_path, channels)
    summary = run_alerts(settings, now=NOW)
    assert (summary.sent, summary.failed) == (0, 5)
    failures = json.loads(delivery_status_path(settings).read_text())["failures"]
    assert {f["error"] for f in failures} == {
        f"cannot read the secret file {tmp_path}/missing: No such file or directory"
    }
    settings.warehouse_path.unlink()
    line = after_refresh(settings)
    assert line == (
        f"alerts failed: no published warehouse at {settings.warehouse_path}: run "
        "`pulse load` and `pulse build`"
    )


def test_quality_page_shows_failed_deliveries(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch, built_warehouse
) -> None:
    """The /quality layout carries the card, built from the JSON the run left."""
    import dash
    from plotly.utils import PlotlyJSONEncoder

    from dashboard.app import create_app

    channels = '[[alerts.channels]]\nkind = "webhook"\nname = "ops"\nurl_env = "PULSE_TEST_HOOK"\n'
    settings = _settings(tmp_path, channels)
    receiver.status = 503
    monkeypatch.setenv("PULSE_TEST_HOOK", receiver.url)
    run_alerts(settings, now=NOW, sleep=lambda _s: None)
    shutil.copy(built_warehouse.settings.warehouse_path, settings.warehouse_path)  # dq marts
    app = create_app(settings)
    with app.server.test_request_context("/quality?lang=en"):
        # the page as the app registered it (importing the module again would register
        # its path twice)
        layout = dash.page_registry["pages.quality"]["layout"]
        page = json.dumps(layout(lang="en"), cls=PlotlyJSONEncoder, ensure_ascii=False)
    assert "Alert deliveries" in page
    assert page.count("HTTP 503 Service Unavailable") == 5
    assert "SECRET-TOKEN" not in page
