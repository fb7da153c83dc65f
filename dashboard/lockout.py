"""Slow down password guessing on HTTP Basic logins (DESIGN s8: "repeated failed logins
are slowed down").

Failures are counted per user name and per client address. When either reaches
`max_failures` within `window_s` seconds, that name (or address) is locked for
`lockout_s` seconds, doubling with each further lockout up to `max_lockout_s`. While
locked, every attempt is refused with 429 and a Retry-After, the right password
included, and the password is not even checked (no scrypt cost for the attacker to
spend). A successful login clears the user name's record.

The state lives in the process: under gunicorn each worker counts on its own, so an
attacker whose requests spread over N workers gets at most N x `max_failures`
guesses per window before every worker locks them out (docs/SECURITY.md).

Thresholds come from the environment (`from_env`): PULSE_LOGIN_MAX_FAILURES (5,
0 turns the throttle off), PULSE_LOGIN_WINDOW_S (900), PULSE_LOGIN_LOCKOUT_S (60),
PULSE_LOGIN_LOCKOUT_MAX_S (3600), PULSE_LOGIN_PER_ADDRESS (1; set 0 behind a reverse
proxy in Basic mode, where every client has the proxy's address and one guesser would
lock everybody out).
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from warehouse.core.errors import PulseError

log = logging.getLogger("pulse.auth")

# Tracked keys beyond this are pruned (expired first), so a flood of made-up names or
# addresses cannot grow the process without bound.
MAX_TRACKED = 50_000


@dataclass
class _Record:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0
    lockouts: int = 0


class LoginThrottle:
    """Per-key failure counting and growing lockouts; thread-safe."""

    def __init__(
        self,
        max_failures: int = 5,
        window_s: float = 900.0,
        lockout_s: float = 60.0,
        max_lockout_s: float = 3600.0,
        per_address: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.per_address = per_address
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.max_lockout_s = max(max_lockout_s, lockout_s)
        self._clock = clock
        self._records: dict[tuple[str, str], _Record] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LoginThrottle:
        """Thresholds from PULSE_LOGIN_* variables; PulseError for a bad value."""
        env = os.environ if env is None else env

        def number(name: str, default: float) -> float:
            raw = (env.get(name) or "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if value < 0 or not math.isfinite(value):
                raise PulseError(f"{name}={raw!r}: expected a number of 0 or more")
            return value

        return cls(
            max_failures=int(number("PULSE_LOGIN_MAX_FAILURES", 5)),
            window_s=number("PULSE_LOGIN_WINDOW_S", 900.0),
            lockout_s=number("PULSE_LOGIN_LOCKOUT_S", 60.0),
            max_lockout_s=number("PULSE_LOGIN_LOCKOUT_MAX_S", 3600.0),
            per_address=(env.get("PULSE_LOGIN_PER_ADDRESS") or "1").strip().lower()
            not in ("0", "false", "no", "off"),
        )

    @property
    def enabled(self) -> bool:
        return self.max_failures > 0

    def retry_after(self, keys: list[tuple[str, str]]) -> float:
        """Seconds until every key is unlocked (0 when none is locked)."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            waits = [r.locked_until - now for k in keys if (r := self._records.get(k))]
        return max([0.0, *waits])

    def failed(self, keys: list[tuple[str, str]]) -> None:
        """Count a failed login against each key; lock the keys that reach the limit."""
        if not self.enabled:
            return
        now = self._clock()
        with self._lock:
            if len(self._records) > MAX_TRACKED:
                self._prune(now)
            for key in keys:
                record = self._records.setdefault(key, _Record())
                while record.failures and record.failures[0] <= now - self.window_s:
                    record.failures.popleft()
                record.failures.append(now)
                if len(record.failures) >= self.max_failures:
                    record.lockouts += 1
                    seconds = min(self.lockout_s * 2 ** (record.lockouts - 1), self.max_lockout_s)
                    record.locked_until = now + seconds
                    record.failures.clear()
                    log.warning(
                        "login locked: %s %r after %d failures within %g s, for %g s",
                        key[0],
                        key[1],
                        self.max_failures,
                        self.window_s,
                        seconds,
                    )

    def succeeded(self, key: tuple[str, str]) -> None:
        """A correct login: forget the failures and lockouts of this key."""
        with self._lock:
            self._records.pop(key, None)

    def _prune(self, now: float) -> None:
        quiet = now - self.window_s
        for key in [
            k
            for k, r in self._records.items()
            if r.locked_until <= now and (not r.failures or r.failures[-1] <= quiet)
        ]:
            del self._records[key]
        while len(self._records) > MAX_TRACKED:  # still flooded: drop the oldest keys
            self._records.pop(next(iter(self._records)))
