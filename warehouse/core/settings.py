"""One place that decides where every file lives and how the product is configured.

Paths are built from this file's location so the project works from any working
directory, and every value can be overridden by an environment variable (DESIGN s7)
or by a `pulse.toml` in the data directory. Settings are an immutable value: nothing
in the product mutates configuration at run time (gunicorn workers share nothing).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warehouse.core.errors import PulseError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "transforms"
SEEDS_DIR = PROJECT_ROOT / "seeds"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


# DuckDB's memory before it spills to `<data>/tmp`: the process peaks about 0.3 GB above
# it. 3.5 GB keeps a 1 M-ticket build under DESIGN's 4 GB and a 10 M one under 8 GB
# (transforms/DECISIONLOG.md, "Memory"); a bigger machine may raise it for speed.
DEFAULT_MEMORY_LIMIT = "3.5GB"


@dataclass(frozen=True)
class Settings:
    """Resolved configuration for one process."""

    data_dir: Path
    raw_dir: Path
    landing_path: Path
    warehouse_path: Path
    timezone: str = "Europe/Moscow"
    # DuckDB resource limits for loads and builds (DESIGN s8: spill, never fail).
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int = 2
    # Dashboard access (DESIGN s8 security).
    auth_mode: str = "none"
    users_file: Path | None = None
    auth_header: str = "X-Forwarded-User"
    # A published warehouse older than this is shown as stale on the wall.
    stale_after_minutes: int = 15
    # How long a load or build waits for the other to finish before giving up. A demo
    # build takes well under a minute; a 10 M build takes minutes, so waiting is useful.
    lock_timeout_seconds: float = 900.0
    # Whether a full build runs the dbt unit tests. They check model code against fixed
    # fixtures, never the data, so where the code never changes between builds (a
    # production deployment) dbt's advice is to run them in CI only; the Quality page
    # then lists no unit-test results.
    unit_tests: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def temp_dir(self) -> Path:
        """Where DuckDB spills when a step needs more than `memory_limit`."""
        return self.data_dir / "tmp"

    @property
    def lock_path(self) -> Path:
        """One lock file: loads and builds take turns (DESIGN s2)."""
        return self.data_dir / ".pulse.lock"

    @property
    def builds_dir(self) -> Path:
        """Scratch space for warehouse files being built before they are published."""
        return self.data_dir / "builds"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)

    def to_env(self) -> dict[str, str]:
        """The environment that makes `load_settings()` in a child process equal these.

        Every process the product starts (gunicorn workers, dbt, `pulse` subprocesses of
        the harnesses) learns its configuration this one way, so no copy of the variable
        list can drift from `load_settings`.
        """
        env = {
            "PULSE_DATA_DIR": str(self.data_dir),
            "PULSE_RAW_DIR": str(self.raw_dir),
            "PULSE_LANDING": str(self.landing_path),
            "PULSE_WAREHOUSE": str(self.warehouse_path),
            "PULSE_TZ": self.timezone,
            "PULSE_MEMORY_LIMIT": self.memory_limit,
            "PULSE_THREADS": str(self.threads),
            "PULSE_AUTH": self.auth_mode,
            "PULSE_AUTH_HEADER": self.auth_header,
            "PULSE_STALE_MINUTES": str(self.stale_after_minutes),
            "PULSE_LOCK_TIMEOUT": str(self.lock_timeout_seconds),
            "PULSE_UNIT_TESTS": "true" if self.unit_tests else "false",
        }
        if self.users_file:
            env["PULSE_USERS_FILE"] = str(self.users_file)
        return env


# Every setting by the kind of value it takes: its key in pulse.toml -> its environment
# variable. The unknown-key check and the lookups read the same tables, so a key that
# can be set is always a key that is accepted.
_PATH_KEYS = {
    "raw_dir": "PULSE_RAW_DIR",
    "landing": "PULSE_LANDING",
    "warehouse": "PULSE_WAREHOUSE",
}
_TEXT_KEYS = {
    "timezone": "PULSE_TZ",
    "memory_limit": "PULSE_MEMORY_LIMIT",
    "auth_mode": "PULSE_AUTH",
    "users_file": "PULSE_USERS_FILE",
    "auth_header": "PULSE_AUTH_HEADER",
}
_NUMBER_KEYS = {
    "threads": "PULSE_THREADS",
    "stale_after_minutes": "PULSE_STALE_MINUTES",
    "lock_timeout_seconds": "PULSE_LOCK_TIMEOUT",
}
_FLAG_KEYS = {
    "unit_tests": "PULSE_UNIT_TESTS",
}
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
# Tables of pulse.toml that another module reads and validates in full
# (`warehouse.core.notify_config`: alert channels, digests, SMTP).
_SECTION_KEYS = ("alerts", "digest", "smtp")
KNOWN_FILE_KEYS = (*_PATH_KEYS, *_TEXT_KEYS, *_NUMBER_KEYS, *_FLAG_KEYS, *_SECTION_KEYS)
AUTH_MODES = ("none", "basic", "header")
# What DuckDB's memory_limit accepts: a number and a unit, or a share of the RAM.
_MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(%|b|bytes?|[kmgt]i?b|[kmgt])$", re.IGNORECASE)
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


def _read_config_file(path: Path, *, explicit: bool) -> dict[str, object]:
    """The values of pulse.toml; PulseError for a file that is unreadable or not TOML."""
    if not path.is_file():
        if explicit:
            raise PulseError(f"PULSE_CONFIG points at {path}, which is not a file: fix or unset it")
        return {}
    try:
        with path.open("rb") as handle:
            values = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise PulseError(
            f"{path} is not valid TOML ({exc}): fix that line, e.g. threads = 2 or "
            'memory_limit = "4GB"'
        ) from None
    except OSError as exc:
        raise PulseError(f"cannot read {path} ({exc.strerror}): check its permissions") from None
    unknown = sorted(set(values) - set(KNOWN_FILE_KEYS))
    if unknown:
        raise PulseError(
            f"{path} has unknown setting(s) {', '.join(unknown)}: remove them or use one of "
            f"{', '.join(KNOWN_FILE_KEYS)}"
        )
    return values


def load_settings() -> Settings:
    """Build settings from defaults, then `<data_dir>/pulse.toml`, then the environment.

    Every value is checked here, once, so a mistake is reported as one sentence naming
    the variable (or the pulse.toml key), the bad value and what is expected, before
    any step starts; nothing later has to guess at a half-valid configuration.
    """
    data_dir = _env_path("PULSE_DATA_DIR", PROJECT_ROOT / "data")
    config_file = _env_path("PULSE_CONFIG", data_dir / "pulse.toml")
    file_values = _read_config_file(config_file, explicit=bool(os.environ.get("PULSE_CONFIG")))

    def pick(key: str, env: str, default: object) -> tuple[object, str]:
        """The raw value, and how to name it in an error: `PULSE_X='v'` or `x = 'v' in FILE`."""
        if env in os.environ:
            return os.environ[env], f"{env}={os.environ[env]!r}"
        if key in file_values:
            return file_values[key], f"{key} = {file_values[key]!r} in {config_file}"
        return default, f"{key} = {default!r}"

    def text(key: str, default: str | None) -> tuple[str | None, str]:
        value, said = pick(key, _TEXT_KEYS[key], default)
        if value is not None and not isinstance(value, str):
            example = f", e.g. {default!r}" if default else ""
            raise PulseError(f"{said} must be text in quotes{example}")
        return value, said

    def number(key: str, default: float, what: str, *, whole: bool = True) -> float:
        value, said = pick(key, _NUMBER_KEYS[key], default)
        try:
            if isinstance(value, bool):  # TOML true is not 1 thread
                raise ValueError
            parsed = int(str(value).strip()) if whole else float(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None or not parsed > 0:  # `not >` also refuses nan
            kind = "a whole number" if whole else "a number"
            raise PulseError(f"{said} is not {kind} above zero: set it to {what}, e.g. {default:g}")
        return parsed

    def flag(key: str, default: bool) -> bool:
        value, said = pick(key, _FLAG_KEYS[key], default)
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise PulseError(f"{said} is not true or false: set it to true, false, 1 or 0")

    def path(key: str, default: Path) -> Path:
        env = _PATH_KEYS[key]
        if os.environ.get(env):
            return _env_path(env, default)
        value, said = pick(key, env, None)
        if value is None or value == "":
            return default
        if not isinstance(value, str):
            raise PulseError(f"{said} must be a path in quotes")
        return Path(value).expanduser().resolve()

    timezone, said = text("timezone", "Europe/Moscow")
    try:
        ZoneInfo(timezone)
    except (ValueError, ZoneInfoNotFoundError):
        raise PulseError(
            f"{said} is not a time zone: use an IANA name such as Europe/Moscow or UTC"
        ) from None
    memory_limit, said = text("memory_limit", DEFAULT_MEMORY_LIMIT)
    if not _MEMORY_LIMIT.match(memory_limit.strip()):
        raise PulseError(
            f"{said} is not a memory size: use a number and a unit such as 4GB or 512MB, "
            "or a share of the RAM such as 50%"
        )
    auth_mode, said = text("auth_mode", "none")
    if auth_mode.strip().lower() not in AUTH_MODES:
        raise PulseError(f"{said} is not an auth mode: use none, basic or header")
    auth_header, said = text("auth_header", "X-Forwarded-User")
    if not _HEADER_NAME.match(auth_header.strip()):
        raise PulseError(
            f"{said} is not an HTTP header name: use letters, digits and dashes, "
            "e.g. X-Forwarded-User"
        )
    users_file, _said = text("users_file", None)
    return Settings(
        data_dir=data_dir,
        raw_dir=path("raw_dir", data_dir / "raw"),
        landing_path=path("landing", data_dir / "landing.duckdb"),
        warehouse_path=path("warehouse", data_dir / "warehouse.duckdb"),
        timezone=timezone,
        memory_limit=memory_limit.strip(),
        threads=int(number("threads", 2, "the number of DuckDB threads")),
        auth_mode=auth_mode.strip().lower(),
        users_file=Path(users_file).expanduser().resolve() if users_file else None,
        auth_header=auth_header.strip(),
        stale_after_minutes=int(
            number("stale_after_minutes", 15, "the minutes after which the wall says stale")
        ),
        lock_timeout_seconds=number(
            "lock_timeout_seconds", 900, "the seconds a step waits for the lock", whole=False
        ),
        unit_tests=flag("unit_tests", True),
    )
