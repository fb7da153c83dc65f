"""The `[alerts]`, `[digest]` and `[smtp]` tables of `pulse.toml`, read and validated once.

Both readers of these tables live above `warehouse.core` and must not import each other:
`warehouse.alerts` (breach alerts, run by `pulse alerts` and after each refresh) and
`dashboard.digest` (weekly and quarterly digests). So the parsing lives here, at the
bottom, with the paths of the alerts' own state, which the data quality page reads too.

Every mistake in the file becomes one sentence naming the key and what to write instead;
all mistakes are collected and reported together (`PulseError`), so an operator fixes
the file in one pass. Secrets (webhook URLs, bot tokens, the SMTP password) are never
values in this file: each is named by a `*_file` path or a `*_env` variable, read when
the message is sent, and never printed.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings

TIERS = ("premium", "professional", "standard")
PRIORITIES = ("critical", "high", "medium", "low")
METRICS = ("first_response", "resolution")
CHANNEL_KINDS = ("slack", "mattermost", "telegram", "webhook")
DIGEST_KINDS = ("vp-weekly", "lead-weekly", "okr-quarterly")
DIGEST_ROLES = ("vp", "lead")
LANGS = ("ru", "en")
# The strategy's escalation thresholds for daily compliance (issue 17).
DEFAULT_THRESHOLDS = {"first_response": 0.95, "resolution": 0.93}
DEFAULT_KINDS_BY_ROLE = {"vp": ("vp-weekly", "okr-quarterly"), "lead": ("lead-weekly",)}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def config_path(settings: Settings) -> Path:
    """The file `load_settings` reads: `PULSE_CONFIG`, else `<data_dir>/pulse.toml`."""
    value = os.environ.get("PULSE_CONFIG")
    return Path(value).expanduser().resolve() if value else settings.data_dir / "pulse.toml"


def ops_db_path(settings: Settings) -> Path:
    """The alerts' own DuckDB (what was sent, delivery attempts): never the landing DB,
    which only `pulse load` writes, nor the published warehouse, which a build replaces."""
    return settings.data_dir / "ops.duckdb"


def delivery_status_path(settings: Settings) -> Path:
    """A small JSON file of recent failed deliveries, rewritten atomically after every
    alerts run, for the data quality page: the dashboard cannot open the ops DuckDB
    while an alerts run holds its write lock, and must never wait for it."""
    return settings.data_dir / "alerts-delivery.json"


@dataclass(frozen=True)
class Secret:
    """Where a secret is read from; `describe()` names the source, never the value."""

    file: Path | None = None
    env: str | None = None

    def read(self) -> str:
        if self.file is not None:
            try:
                value = self.file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise PulseError(
                    f"cannot read the secret file {self.file}: {exc.strerror}"
                ) from None
        else:
            value = os.environ.get(self.env or "", "").strip()
        if not value:
            raise PulseError(f"the secret in {self.describe()} is empty: put the value there")
        return value

    def describe(self) -> str:
        return f"file {self.file}" if self.file is not None else f"environment variable {self.env}"


@dataclass(frozen=True)
class Channel:
    """One destination of alerts."""

    name: str
    kind: str  # slack | mattermost | telegram | webhook
    secret: Secret  # the webhook URL, or the Telegram bot token
    chat_id: str | None = None  # telegram only
    api_base: str = "https://api.telegram.org"  # telegram only (tests point it at 127.0.0.1)


@dataclass(frozen=True)
class AlertsConfig:
    channels: tuple[Channel, ...] = ()
    # (tier, priority) -> lead time; lookup falls back to (tier, None) then the default.
    lead_times: dict[tuple[str, str | None], timedelta] = field(default_factory=dict)
    default_lead_time: timedelta = timedelta(hours=1)
    # Breaches older than this are history, not news: a first run does not replay them.
    breach_lookback: timedelta = timedelta(hours=24)
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    # A day's compliance is judged once it has this many completed outcomes.
    min_outcomes: int = 20
    quiet_start: time | None = None
    quiet_end: time | None = None
    # Priorities still sent during quiet hours; the rest wait until quiet hours end.
    quiet_allow: tuple[str, ...] = ("critical",)
    dashboard_url: str = "http://127.0.0.1:8050"
    lang: str = "ru"  # the team's working language (DESIGN s1)
    retries: int = 3
    backoff: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(seconds=30)
    timeout: timedelta = timedelta(seconds=10)

    def lead_time(self, tier: str, priority: str) -> timedelta:
        for key in ((tier, priority), (tier, None)):
            if key in self.lead_times:
                return self.lead_times[key]
        return self.default_lead_time

    def is_quiet(self, local: time) -> bool:
        """Is this local wall-clock time inside quiet hours (which may span midnight)?"""
        if self.quiet_start is None or self.quiet_end is None:
            return False
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end


@dataclass(frozen=True)
class Recipient:
    email: str
    role: str  # vp | lead
    lang: str = "ru"
    team_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestConfig:
    recipients: tuple[Recipient, ...] = ()
    out_dir: Path | None = None  # default: <data_dir>/digests
    chromium: str = "/usr/bin/chromium"


@dataclass(frozen=True)
class SmtpConfig:
    host: str = ""
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: Secret | None = None
    sender: str = ""
    timeout: timedelta = timedelta(seconds=30)
    # A private CA to trust for STARTTLS (an internal relay), else the system's.
    ca_file: Path | None = None


@dataclass(frozen=True)
class NotifyConfig:
    alerts: AlertsConfig
    digest: DigestConfig
    smtp: SmtpConfig
    source: Path


class _Problems:
    """Collects one sentence per mistake so the operator sees all of them at once."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, text: str) -> None:
        self.items.append(text)

    def raise_if_any(self) -> None:
        if self.items:
            lines = "\n  ".join(self.items)
            raise PulseError(f"{self.source} has {len(self.items)} problem(s):\n  {lines}")


def _duration(value: object, key: str, problems: _Problems) -> timedelta | None:
    match = _DURATION.match(str(value)) if isinstance(value, str | int | float) else None
    if match is None or isinstance(value, bool):
        problems.add(f'{key} = {value!r} is not a duration: write it like "15m", "1h" or "90s"')
        return None
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def _clock(value: str, key: str, problems: _Problems) -> time | None:
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        problems.add(f'{key} has {value!r}, not a time: write it like "22:00"')
        return None


def _table(data: dict[str, Any], name: str, problems: _Problems) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        problems.add(f"{name} must be a table ([{name}]), not a {type(value).__name__}")
        return {}
    return value


def _unknown(table: dict[str, Any], allowed: set[str], where: str, problems: _Problems) -> None:
    for key in sorted(set(table) - allowed):
        problems.add(f"{where}.{key} is not a setting: use one of {', '.join(sorted(allowed))}")


def _secret(values: dict[str, Any], stem: str, where: str, problems: _Problems) -> Secret | None:
    """`<stem>_file` or `<stem>_env`; a bare `<stem>` is refused: secrets stay out of the file."""
    if stem in values:
        problems.add(
            f"{where}.{stem} must not hold the secret itself: put it in a file and set "
            f"{stem}_file, or in the environment and set {stem}_env"
        )
        return None
    path, env = values.get(f"{stem}_file"), values.get(f"{stem}_env")
    if bool(path) == bool(env):
        problems.add(f"{where} needs exactly one of {stem}_file or {stem}_env")
        return None
    if path:
        return Secret(file=Path(str(path)).expanduser().resolve())
    return Secret(env=str(env))


def _channels(raw: object, problems: _Problems) -> tuple[Channel, ...]:
    if not isinstance(raw, list):
        problems.add("alerts.channels must be a list of tables: write [[alerts.channels]]")
        return ()
    out: list[Channel] = []
    names: set[str] = set()
    for index, values in enumerate(raw, start=1):
        where = f"alerts.channels #{index}"
        if not isinstance(values, dict):
            problems.add(f"{where} must be a table")
            continue
        kind = str(values.get("kind", ""))
        if kind not in CHANNEL_KINDS:
            problems.add(f"{where} has kind {kind!r}: use one of {', '.join(CHANNEL_KINDS)}")
            continue
        name = str(values.get("name") or f"{kind}-{index}")
        if name in names:
            problems.add(f"{where}: the name {name!r} is used twice; give each channel its own")
        names.add(name)
        allowed = {"kind", "name"}
        if kind == "telegram":
            allowed |= {"token_file", "token_env", "chat_id", "api_base", "token"}
            secret = _secret(values, "token", where, problems)
            chat_id = values.get("chat_id")
            if not chat_id:
                problems.add(f"{where} (telegram) needs chat_id")
            api_base = str(values.get("api_base", "https://api.telegram.org")).rstrip("/")
        else:
            allowed |= {"url_file", "url_env", "url"}
            secret, chat_id, api_base = _secret(values, "url", where, problems), None, ""
        _unknown(values, allowed, where, problems)
        if secret is not None:
            out.append(
                Channel(
                    name=name,
                    kind=kind,
                    secret=secret,
                    chat_id=None if chat_id is None else str(chat_id),
                    api_base=api_base or "https://api.telegram.org",
                )
            )
    return tuple(out)


def _alerts(table: dict[str, Any], problems: _Problems) -> AlertsConfig:
    allowed = {
        "channels", "lead_time", "breach_lookback", "thresholds", "min_outcomes",
        "quiet_hours", "quiet_allow", "dashboard_url", "lang", "retries", "backoff", "max_backoff",
        "timeout",
    }  # fmt: skip
    _unknown(table, allowed, "alerts", problems)
    base = AlertsConfig()
    kwargs: dict[str, Any] = {}
    if "channels" in table:
        kwargs["channels"] = _channels(table["channels"], problems)
    lead = table.get("lead_time", {})
    if isinstance(lead, str):
        lead = {"default": lead}
    if not isinstance(lead, dict):
        problems.add('alerts.lead_time must be a duration or a table like {default = "1h"}')
        lead = {}
    lead_times: dict[tuple[str, str | None], timedelta] = {}
    for key, value in lead.items():
        where = f"alerts.lead_time.{key}"
        amount = _duration(value, where, problems)
        if amount is None:
            continue
        if key == "default":
            kwargs["default_lead_time"] = amount
            continue
        tier, _, priority = str(key).partition(".")
        if tier not in TIERS or (priority and priority not in PRIORITIES):
            problems.add(
                f"{where}: {key!r} is not a tier or tier.priority; write it like "
                f'premium or "premium.critical" (tiers {", ".join(TIERS)}; priorities '
                f"{', '.join(PRIORITIES)})"
            )
            continue
        lead_times[(tier, priority or None)] = amount
    kwargs["lead_times"] = lead_times
    for key in ("breach_lookback", "backoff", "max_backoff", "timeout"):
        if key in table:
            amount = _duration(table[key], f"alerts.{key}", problems)
            if amount is not None:
                kwargs[key] = amount
    thresholds = dict(base.thresholds)
    raw_thresholds = table.get("thresholds", {})
    if not isinstance(raw_thresholds, dict):
        problems.add(
            "alerts.thresholds must be a table like {first_response = 95, resolution = 93}"
        )
        raw_thresholds = {}
    for key, value in raw_thresholds.items():
        if key not in METRICS:
            problems.add(f"alerts.thresholds.{key} is not a metric: use {' or '.join(METRICS)}")
        elif isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100:
            problems.add(f"alerts.thresholds.{key} = {value!r}: write a percentage like 95")
        else:
            thresholds[key] = float(value) / 100.0
    kwargs["thresholds"] = thresholds
    for key in ("min_outcomes", "retries"):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.add(f"alerts.{key} = {value!r}: write a whole number, 0 or more")
            else:
                kwargs[key] = value
    if "quiet_hours" in table:
        text = table["quiet_hours"]
        start, sep, end = str(text).partition("-")
        if not isinstance(text, str) or not sep:
            problems.add(f'alerts.quiet_hours = {text!r}: write it like "22:00-08:00"')
        else:
            kwargs["quiet_start"] = _clock(start, "alerts.quiet_hours", problems)
            kwargs["quiet_end"] = _clock(end, "alerts.quiet_hours", problems)
    if "quiet_allow" in table:
        allow = table["quiet_allow"]
        if not isinstance(allow, list) or any(p not in PRIORITIES for p in allow):
            problems.add(
                f"alerts.quiet_allow = {allow!r}: write a list of priorities from "
                f'{", ".join(PRIORITIES)}, e.g. ["critical"]'
            )
        else:
            kwargs["quiet_allow"] = tuple(allow)
    if "dashboard_url" in table:
        url = str(table["dashboard_url"]).rstrip("/")
        if not url.startswith(("http://", "https://")):
            problems.add(f"alerts.dashboard_url = {url!r}: write an http:// or https:// address")
        kwargs["dashboard_url"] = url
    if "lang" in table:
        if table["lang"] not in LANGS:
            problems.add(f"alerts.lang = {table['lang']!r}: use ru or en")
        else:
            kwargs["lang"] = table["lang"]
    return AlertsConfig(**kwargs)


def _recipients(raw: object, problems: _Problems) -> tuple[Recipient, ...]:
    if not isinstance(raw, list):
        problems.add("digest.recipients must be a list of tables: write [[digest.recipients]]")
        return ()
    out = []
    for index, values in enumerate(raw, start=1):
        where = f"digest.recipients #{index}"
        if not isinstance(values, dict):
            problems.add(f"{where} must be a table")
            continue
        _unknown(values, {"email", "role", "lang", "team_ids", "kinds"}, where, problems)
        email = str(values.get("email", "")).strip()
        if "@" not in email:
            problems.add(f'{where} needs an email address (email = "name@example.com")')
        role = str(values.get("role", ""))
        if role not in DIGEST_ROLES:
            problems.add(f"{where} has role {role!r}: digests go to {' or '.join(DIGEST_ROLES)}")
            continue
        lang = str(values.get("lang", "ru"))
        if lang not in LANGS:
            problems.add(f"{where} has lang {lang!r}: use ru or en")
        teams = values.get("team_ids", [])
        if not isinstance(teams, list) or not all(isinstance(t, str) for t in teams):
            problems.add(f'{where}: team_ids must be a list of team ids like ["T01"]')
            teams = []
        if role == "lead" and not teams:
            problems.add(f"{where} is a lead and needs team_ids (the teams they see by name)")
        kinds = values.get("kinds", list(DEFAULT_KINDS_BY_ROLE[role]))
        if not isinstance(kinds, list) or any(k not in DIGEST_KINDS for k in kinds):
            problems.add(f"{where}: kinds must be a list from {', '.join(DIGEST_KINDS)}")
            kinds = []
        if role == "lead" and set(kinds) - {"lead-weekly"}:
            problems.add(f"{where} is a lead: only lead-weekly fits that role")
        out.append(Recipient(email, role, lang, tuple(teams), tuple(kinds)))
    return tuple(out)


def _digest(table: dict[str, Any], problems: _Problems) -> DigestConfig:
    _unknown(table, {"recipients", "out_dir", "chromium"}, "digest", problems)
    kwargs: dict[str, Any] = {}
    if "recipients" in table:
        kwargs["recipients"] = _recipients(table["recipients"], problems)
    if "out_dir" in table:
        kwargs["out_dir"] = Path(str(table["out_dir"])).expanduser().resolve()
    if "chromium" in table:
        kwargs["chromium"] = str(table["chromium"])
    return DigestConfig(**kwargs)


def _smtp(table: dict[str, Any], problems: _Problems) -> SmtpConfig:
    allowed = {"host", "port", "starttls", "username", "password_file", "password_env",
               "password", "sender", "timeout", "ca_file"}  # fmt: skip
    _unknown(table, allowed, "smtp", problems)
    if not table:
        return SmtpConfig()
    kwargs: dict[str, Any] = {}
    for key in ("host", "sender", "username"):
        if key in table:
            kwargs[key] = str(table[key])
    if not kwargs.get("host"):
        problems.add('smtp.host is missing: name the mail server, e.g. host = "smtp.example.com"')
    if "@" not in kwargs.get("sender", ""):
        problems.add('smtp.sender is missing: the From address, e.g. sender = "pulse@example.com"')
    port = table.get("port", 587)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        problems.add(f"smtp.port = {port!r}: write a port number such as 587")
    else:
        kwargs["port"] = port
    starttls = table.get("starttls", True)
    if not isinstance(starttls, bool):
        problems.add("smtp.starttls must be true or false")
    else:
        kwargs["starttls"] = starttls
    if "timeout" in table:
        amount = _duration(table["timeout"], "smtp.timeout", problems)
        if amount is not None:
            kwargs["timeout"] = amount
    if "ca_file" in table:
        kwargs["ca_file"] = Path(str(table["ca_file"])).expanduser().resolve()
    if kwargs.get("username") or "password" in table:
        kwargs["password"] = _secret(table, "password", "smtp", problems)
    return SmtpConfig(**kwargs)


def parse_notify_config(data: dict[str, Any], source: Path) -> NotifyConfig:
    """Validate the three tables of an already-parsed TOML document."""
    problems = _Problems(source)
    config = NotifyConfig(
        alerts=_alerts(_table(data, "alerts", problems), problems),
        digest=_digest(_table(data, "digest", problems), problems),
        smtp=_smtp(_table(data, "smtp", problems), problems),
        source=source,
    )
    problems.raise_if_any()
    return config


def load_notify_config(settings: Settings) -> NotifyConfig:
    """The alert, digest and SMTP settings of `pulse.toml` (all defaults without a file)."""
    source = config_path(settings)
    data: dict[str, Any] = {}
    if source.is_file():
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise PulseError(f"{source} is not valid TOML ({exc}): fix the line it names") from None
    return parse_notify_config(data, source)
