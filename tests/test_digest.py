"""Digests (issue 17) on the small demo warehouse: contents by role, both languages, the
PDF's pages and text, and sending through a local STARTTLS SMTP server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pypdf
import pytest

from dashboard.digest import __main__ as digest_cli
from tests.conftest import PipelineRun, pulse_env
from tests.notify_servers import MailServer, serve_smtp
from warehouse.core.notify_config import load_notify_config
from warehouse.core.settings import Settings

# The build's as-of is Thursday 15 May 2025: the last complete ISO week is 5-11 May.
WEEK = (date(2025, 5, 5), date(2025, 5, 11))
LEAD_TEAM = "t2"
CONFIG = """
[[digest.recipients]]
email = "vp@example.com"
role = "vp"
lang = "ru"
[[digest.recipients]]
email = "vp.en@example.com"
role = "vp"
lang = "en"
[[digest.recipients]]
email = "lead@example.com"
role = "lead"
lang = "en"
team_ids = ["t2"]
[smtp]
host = "127.0.0.1"
port = {port}
username = "pulse"
password_file = "{password_file}"
sender = "pulse@example.com"
ca_file = "{ca_file}"
timeout = "10s"
"""


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServer]:
    yield from serve_smtp(tmp_path_factory.mktemp("smtp"), "pulse", "s3cret-pass")


@pytest.fixture(scope="module")
def digest_settings(
    built_warehouse: PipelineRun, mail: MailServer, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """The demo warehouse, with a data directory of its own holding pulse.toml."""
    data_dir = tmp_path_factory.mktemp("digest-data")
    (data_dir / "smtp-password").write_text("s3cret-pass\n", encoding="utf-8")
    (data_dir / "pulse.toml").write_text(
        CONFIG.format(
            port=mail.port, password_file=data_dir / "smtp-password", ca_file=mail.ca_file
        ),
        encoding="utf-8",
    )
    return built_warehouse.settings.with_overrides(data_dir=data_dir)


def _names(settings: Settings) -> dict[str, list[str]]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    rows = con.execute("select team_id, full_name, team_name from dim_engineer").fetchall()
    con.close()
    out: dict[str, list[str]] = {}
    for team, name, team_name in rows:
        out.setdefault(team, []).extend([name, team_name])
    return out


def _pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def _write(settings: Settings, kind: str, email: str) -> digest_cli.Written:
    config = load_notify_config(settings)
    (recipient,) = digest_cli.recipients(config, kind, [email], "ru")
    return digest_cli.write(settings, config, kind, recipient)


def test_lead_digest_holds_only_their_teams(digest_settings: Settings) -> None:
    written = _write(digest_settings, "lead-weekly", "lead@example.com")
    names = _names(digest_settings)
    mine = {n for n in names[LEAD_TEAM]}
    others = {n for team, ns in names.items() if team != LEAD_TEAM for n in ns}
    pages = _pdf_pages(written.pdf)
    text = "\n".join(pages)
    documents = [written.rendered.html_file, written.rendered.html_mail, written.rendered.text]
    for document in [*documents, text]:
        assert not [n for n in others if n in document]
    # every engineer of the team with a row in the week is named
    con = duckdb.connect(str(digest_settings.warehouse_path), read_only=True)
    expected = {
        r[0]
        for r in con.execute(
            "select e.full_name from fct_engineer_weeks w join dim_engineer e using "
            "(engineer_id) where w.week_start = ? and w.team_id = ?",
            [WEEK[0], LEAD_TEAM],
        ).fetchall()
    }
    breached = con.execute(
        "select count(*) from fct_sla_outcomes where outcome = 'breached' and team_id = ? "
        "and outcome_at >= timestamp '2025-05-04 21:00' and outcome_at < timestamp "
        "'2025-05-11 21:00'",
        [LEAD_TEAM],
    ).fetchone()[0]
    con.close()
    assert expected and expected <= mine
    assert all(name in written.rendered.html_file for name in expected)
    assert len(pages) == 2
    assert pages[0].startswith("Team lead weekly digest")
    assert "Period: 2025-05-05 to 2025-05-11" in pages[0]
    assert "Engineers against tier targets" in pages[0]
    assert "Outliers" in pages[1]
    assert f"Tickets that breached ({breached})" in pages[1]
    assert written.pdf.name == "lead-weekly-2025-05-11-lead-example-com-en.pdf"


def test_vp_digest_in_both_languages_with_change_and_movers(digest_settings: Settings) -> None:
    out_dir = digest_settings.data_dir / "digests"
    con = duckdb.connect(str(digest_settings.warehouse_path), read_only=True)
    actual = dict(
        con.execute(
            "select kr_id, actual from fct_okr_progress where period = '2025-Q2' and "
            "dim_tier = 'all' and dim_segment = 'all' and dim_region = 'all'"
        ).fetchall()
    )
    breaches = dict(
        con.execute(
            # breaches of the two metrics overall compliance counts (next-reply
            # outcomes, one per customer comment, are left out there too)
            "select support_tier, count(*) from fct_sla_outcomes where outcome = 'breached' "
            "and metric in ('first_response', 'resolution') "
            "and outcome_at >= timestamp '2025-05-04 21:00' and outcome_at < timestamp "
            "'2025-05-11 21:00' group by 1"
        ).fetchall()
    )
    con.close()
    # Last week's digest (as of 8 May) saw FCR 5 points lower, eNPS 10 lower and headcount
    # 2 lower: relative to their targets (50 %, 80, 25) the movers are eNPS (10/80),
    # FCR (5/50), headcount (2/25).
    (out_dir / "history").mkdir(parents=True, exist_ok=True)
    before = dict(actual)
    before.update(
        fcr=actual["fcr"] - 5, enps=actual["enps"] - 10, headcount=actual["headcount"] - 2
    )
    (out_dir / "history" / "kr-2025-05-08.json").write_text(
        json.dumps({"as_of_day": "2025-05-08", "period": "2025-Q2", "actual": before})
    )
    en = _write(digest_settings, "vp-weekly", "vp.en@example.com")
    ru = _write(digest_settings, "vp-weekly", "vp@example.com")
    en_pages, ru_pages = _pdf_pages(en.pdf), _pdf_pages(ru.pdf)
    assert len(en_pages) == len(ru_pages) == 2
    assert en_pages[0].startswith("VP weekly digest")
    assert ru_pages[0].startswith("Еженедельный отчёт руководителя поддержки")
    assert "Период: 05.05.2025 — 11.05.2025" in ru_pages[0]
    movers = en_pages[1].split("Three biggest movers", 1)[1].split("SLA breaches by tier", 1)[0]
    lines = [line for line in movers.splitlines() if line.strip()]
    assert [line.split(":")[0].strip() for line in lines[:3]] == [
        "1. Team satisfaction (eNPS)",
        "2. First-contact resolution",
        "3. Headcount",
    ]
    assert "+10 →" in lines[0] and "+5.0\u00a0pts →" in lines[1] and "+2 →" in lines[2]
    assert "+5,0\u00a0п.\u00a0п." in ru.rendered.html_file
    # unchanged KRs show a zero change, every KR is listed
    assert en.rendered.html_file.count("±") == len(actual) - 3 - sum(
        v is None for v in actual.values()
    )
    # breaches by tier, counted here from the outcomes, are the chart's totals
    totals = ", ".join(
        f"{label}: {breaches.get(tier, 0)}"
        for tier, label in (
            ("premium", "Premium"),
            ("professional", "Professional"),
            ("standard", "Standard"),
        )
    )
    assert f'alt="{totals}"' in en.rendered.html_file
    # the mail carries the chart as an inline image, the file as a data URI
    assert "cid:breaches-by-tier" in en.rendered.html_mail
    assert en.rendered.images["breaches-by-tier"].startswith(b"\x89PNG")
    assert 'src="data:image/png;base64,' in en.rendered.html_file
    # this run left its own snapshot for next week's digest
    assert (out_dir / "history" / "kr-2025-05-15.json").is_file()


def test_okr_quarterly_review(digest_settings: Settings) -> None:
    written = _write(digest_settings, "okr-quarterly", "vp.en@example.com")
    pages = _pdf_pages(written.pdf)
    assert len(pages) == 2
    assert "Period: 2025-04-01 to 2025-06-30" in pages[0]
    assert "Projected status" in pages[0] and "SLA breaches by tier" in pages[1]
    assert written.rendered.html_mail.count("cid:spark-") >= 10


def test_send_mails_each_recipient_over_starttls(
    digest_settings: Settings, mail: MailServer
) -> None:
    """`pulse digest --send` through the local server: STARTTLS, login, one mail each."""
    env = {
        **pulse_env(digest_settings),
        "PULSE_CONFIG": str(digest_settings.data_dir / "pulse.toml"),
    }
    before = len(mail.messages)
    done = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "digest", "--kind", "vp-weekly", "--send"],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "sent 2 digest(s) through 127.0.0.1" in done.stdout
    got = mail.messages[before:]
    assert sorted(m["To"] for m in got) == ["vp.en@example.com", "vp@example.com"]
    assert mail.tls_sessions[before:] == [True, True] and mail.logins
    ru = next(m for m in got if m["To"] == "vp@example.com")
    assert ru["Subject"].startswith("Support Pulse · Еженедельный отчёт руководителя поддержки")
    parts = {part.get_content_type() for part in ru.walk()}
    assert {"text/plain", "text/html", "image/png", "application/pdf"} <= parts
    html = next(p for p in ru.walk() if p.get_content_type() == "text/html").get_content()
    assert "cid:breaches-by-tier" in html and "Ключевые результаты" in html
    assert "s3cret-pass" not in done.stdout + done.stderr


def test_without_send_nothing_is_mailed_and_mistakes_are_one_line(
    digest_settings: Settings, mail: MailServer
) -> None:
    env = {
        **pulse_env(digest_settings),
        "PULSE_CONFIG": str(digest_settings.data_dir / "pulse.toml"),
    }
    before = len(mail.messages)
    cmd = [sys.executable, "-m", "warehouse.cli", "digest", "--kind", "lead-weekly"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "not sent (add --send to mail them)"
    assert "lead-weekly-2025-05-11-lead-example-com-en.pdf" in done.stdout
    assert len(mail.messages) == before
    wrong = subprocess.run(
        [*cmd, "--to", "nobody@example.com"], env=env, capture_output=True, text=True, timeout=60
    )
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("pulse: nobody@example.com is not a digest recipient")
    assert "Traceback" not in wrong.stderr
