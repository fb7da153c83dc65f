"""One place that decides where every file lives and how the product is configured.

Paths are built from this file's location so the project works from any working
directory, and every value can be overridden by an environment variable (DESIGN s7)
or by a `pulse.toml` in the data directory. Settings are an immutable value: nothing
in the product mutates configuration at run time (gunicorn workers share nothing).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "transforms"
SEEDS_DIR = PROJECT_ROOT / "seeds"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Resolved configuration for one process."""

    data_dir: Path
    raw_dir: Path
    landing_path: Path
    warehouse_path: Path
    timezone: str = "Europe/Moscow"
    # DuckDB resource limits for loads and builds (DESIGN s8: spill, never fail).
    memory_limit: str = "8GB"
    threads: int = 2
    # Dashboard access (DESIGN s8 security).
    auth_mode: str = "none"
    users_file: Path | None = None
    auth_header: str = "X-Forwarded-User"
    # A published warehouse older than this is shown as stale on the wall.
    stale_after_minutes: int = 15
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
        }
        if self.users_file:
            env["PULSE_USERS_FILE"] = str(self.users_file)
        return env


def load_settings() -> Settings:
    """Build settings from defaults, then `<data_dir>/pulse.toml`, then the environment."""
    data_dir = _env_path("PULSE_DATA_DIR", PROJECT_ROOT / "data")
    file_values: dict[str, object] = {}
    config_file = _env_path("PULSE_CONFIG", data_dir / "pulse.toml")
    if config_file.is_file():
        with config_file.open("rb") as handle:
            file_values = tomllib.load(handle)

    def pick(key: str, env: str, default: object) -> object:
        if env in os.environ:
            return os.environ[env]
        return file_values.get(key, default)

    def pick_path(key: str, env: str, default: Path) -> Path:
        if env in os.environ:
            return _env_path(env, default)
        if key in file_values:
            return Path(str(file_values[key])).expanduser().resolve()
        return default

    users_file = pick("users_file", "PULSE_USERS_FILE", None)
    return Settings(
        data_dir=data_dir,
        raw_dir=pick_path("raw_dir", "PULSE_RAW_DIR", data_dir / "raw"),
        landing_path=pick_path("landing", "PULSE_LANDING", data_dir / "landing.duckdb"),
        warehouse_path=pick_path("warehouse", "PULSE_WAREHOUSE", data_dir / "warehouse.duckdb"),
        timezone=str(pick("timezone", "PULSE_TZ", "Europe/Moscow")),
        memory_limit=str(pick("memory_limit", "PULSE_MEMORY_LIMIT", "8GB")),
        threads=int(str(pick("threads", "PULSE_THREADS", 2))),
        auth_mode=str(pick("auth_mode", "PULSE_AUTH", "none")),
        users_file=Path(str(users_file)).expanduser().resolve() if users_file else None,
        auth_header=str(pick("auth_header", "PULSE_AUTH_HEADER", "X-Forwarded-User")),
        stale_after_minutes=int(str(pick("stale_after_minutes", "PULSE_STALE_MINUTES", 15))),
    )
