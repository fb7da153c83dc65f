"""Who is looking at the dashboard (DESIGN s8 security); what they may see is
`dashboard.access`.

Authentication modes (`settings.auth_mode`, env `PULSE_AUTH`):

- `none` (default): no login; everyone is the local VP. Meant for 127.0.0.1 only.
- `basic`: HTTP Basic against a users file (`PULSE_USERS_FILE`) with hashed passwords.
- `header`: a trusted reverse proxy (SSO) authenticates and passes the user name in
  `settings.auth_header` (default `X-Forwarded-User`); the users file gives the role.
  Requests without the header are refused (401). Only use it behind that proxy, with
  the dashboard bound to 127.0.0.1 so nothing else can set the header.

Users file, TOML::

    [users.anna]
    password_hash = "scrypt:32768:8:1$..."   # python -m dashboard.auth hash-password
    role = "lead"                            # vp | lead | engineer | wall
    team_ids = ["T01", "T02"]                # lead: teams whose engineers they see
    [users.ivan]
    password_hash = "scrypt:..."
    role = "engineer"
    engineer_id = "E0042"

or CSV with the header `username,password_hash,role,engineer_id,team_ids` (team ids
separated by `;`). The password hash may be empty in `header` mode.

Roles (`vp`, `lead`, `engineer`, `wall`) and what each may see are decided in one
place, `dashboard.access`; this module only establishes who the request is.

Header mode reads the user name as UTF-8: WSGI hands header values over decoded as
latin-1, so the proxy's UTF-8 bytes are re-decoded here (a name like `вера` works);
the proxy must send the name as raw UTF-8, not RFC 2047 nor percent-encoded.

Basic mode counts failed logins per user name and per client address and locks them
out for a growing period (`dashboard.lockout`; thresholds from PULSE_LOGIN_*).
"""

from __future__ import annotations

import argparse
import csv
import getpass
import hashlib
import hmac
import logging
import math
import secrets
import sys
import threading
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.access import MODE_KEY, ROLES, VIEWER_KEY, Viewer, install_page_gate
from dashboard.lockout import LoginThrottle
from warehouse.core.errors import PulseError

MODES = ("none", "basic", "header")
REALM = "Support Pulse"

log = logging.getLogger("pulse.auth")


@dataclass(frozen=True)
class User:
    username: str
    password_hash: str
    role: str
    engineer_id: str | None
    team_ids: tuple[str, ...]

    def viewer(self) -> Viewer:
        return Viewer(self.username, self.role, self.engineer_id, self.team_ids)


# ---------------------------------------------------------------------------- users


def _make_user(username: str, values: Mapping[str, object], source: Path) -> User:
    username = str(username).strip()
    role = str(values.get("role", "")).strip().lower()
    if not username:
        raise PulseError(f"users file {source}: a user has no name")
    if role not in ROLES:
        raise PulseError(
            f"users file {source}: user {username!r} has role {role!r}; "
            f"use one of {', '.join(ROLES)}"
        )
    teams = values.get("team_ids") or ()
    if isinstance(teams, str):
        teams = [t for t in teams.replace(",", ";").split(";")]
    team_ids = tuple(str(t).strip() for t in teams if str(t).strip())
    engineer_id = str(values.get("engineer_id") or "").strip() or None
    if role == "engineer" and not engineer_id:
        raise PulseError(f"users file {source}: engineer {username!r} needs an engineer_id")
    if role == "lead" and not team_ids:
        raise PulseError(f"users file {source}: lead {username!r} needs team_ids")
    return User(
        username=username,
        password_hash=str(values.get("password_hash") or "").strip(),
        role=role,
        engineer_id=engineer_id,
        team_ids=team_ids,
    )


def load_users(path: Path | None) -> dict[str, User]:
    """Read the users file (TOML or CSV); PulseError when it is missing or malformed."""
    if path is None:
        raise PulseError(
            "authentication needs a users file: set PULSE_USERS_FILE (see docs/OPERATIONS.md)"
        )
    if not path.is_file():
        raise PulseError(f"users file {path} does not exist")
    users: dict[str, User] = {}
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise PulseError(f"users file {path} is not valid TOML: {exc}") from None
        table = data.get("users", {})
        if not isinstance(table, dict):
            raise PulseError(f"users file {path}: expected [users.<name>] tables")
        for name, values in table.items():
            if not isinstance(values, dict):
                raise PulseError(f"users file {path}: users.{name} must be a table")
            users[name] = _make_user(name, values, path)
    else:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {"username", "role"} - set(reader.fieldnames or ())
            if missing:
                raise PulseError(f"users file {path} lacks column(s) {', '.join(sorted(missing))}")
            for row in reader:
                user = _make_user(row.get("username", ""), row, path)
                users[user.username] = user
    return users


def hash_password(password: str) -> str:
    """A werkzeug scrypt hash for the users file."""
    return generate_password_hash(password, method="scrypt")


class _Verifier:
    """Checks Basic credentials; remembers successes briefly so that each Dash callback
    does not pay a deliberately slow scrypt check. The cache key is an HMAC under a
    per-process random key, so no password is kept in memory in clear."""

    TTL_S = 300.0

    def __init__(self, users: dict[str, User]) -> None:
        self.users = users
        self._key = secrets.token_bytes(32)
        self._ok: dict[bytes, tuple[float, User]] = {}
        self._lock = threading.Lock()

    def check(self, username: str, password: str) -> User | None:
        user = self.users.get(username)
        if user is None or not user.password_hash:
            # same cost as a real check, so timing does not reveal which names exist
            check_password_hash(_DUMMY_HASH, password)
            return None
        token = hmac.new(self._key, f"{username}\0{password}".encode(), hashlib.sha256).digest()
        now = time.monotonic()
        with self._lock:
            hit = self._ok.get(token)
            if hit and hit[0] > now:
                return hit[1]
        if not check_password_hash(user.password_hash, password):
            return None
        with self._lock:
            if len(self._ok) > 10_000:
                self._ok.clear()
            self._ok[token] = (now + self.TTL_S, user)
        return user


_DUMMY_HASH = generate_password_hash(secrets.token_hex(8), method="scrypt")


# ------------------------------------------------------------------------ the server


def header_user_name(raw: str | None) -> str:
    """The user name a proxy sent in a header, as the proxy meant it.

    WSGI servers decode header bytes as latin-1 (PEP 3333), so a UTF-8 name such as
    `вера` arrives as mojibake; encoding back to latin-1 recovers the bytes, which
    are then read as UTF-8. A value that is not valid UTF-8 is kept as latin-1 text.
    """
    name = (raw or "").strip()
    try:
        return name.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def install_auth(app, settings, *, throttle: LoginThrottle | None = None) -> None:
    """Attach authentication for `settings.auth_mode`, then the page gate of
    `dashboard.access`, to a dash.Dash app's Flask server.

    `throttle` limits failed Basic logins (default: thresholds from PULSE_LOGIN_*).
    """

    mode = (settings.auth_mode or "none").strip().lower()
    if mode not in MODES:
        raise PulseError(f"unknown auth mode {mode!r}: use one of {', '.join(MODES)}")
    server = app.server
    server.config[MODE_KEY] = mode
    if mode != "none":
        _install_login(server, mode, settings, throttle or LoginThrottle.from_env())
    install_page_gate(app)


def _install_login(server, mode: str, settings, throttle: LoginThrottle) -> None:
    import flask

    users = load_users(settings.users_file)
    verifier = _Verifier(users)
    header = settings.auth_header

    def unauthorized(message: str = "authentication required") -> flask.Response:
        response = flask.Response(message + "\n", status=401, mimetype="text/plain")
        if mode == "basic":
            response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
        return response

    def basic_user() -> User | flask.Response:
        auth = flask.request.authorization
        if auth is None or auth.type != "basic" or not auth.username:
            return unauthorized()
        address = flask.request.remote_addr or "?"
        keys = [("user", auth.username)]
        if throttle.per_address:
            keys.append(("address", address))
        wait = throttle.retry_after(keys)
        if wait > 0:
            log.warning("login refused while locked: user %r from %s", auth.username, address)
            response = flask.Response(
                "too many failed logins: try again later\n", 429, mimetype="text/plain"
            )
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        user = verifier.check(auth.username, auth.password or "")
        if user is None:
            log.warning("login failed: user %r from %s", auth.username, address)
            throttle.failed(keys)
            return unauthorized("wrong user name or password")
        throttle.succeeded(keys[0])
        return user

    @server.before_request
    def _authenticate():
        if mode == "basic":
            found = basic_user()
            if isinstance(found, flask.Response):
                return found
            user = found
        else:
            name = header_user_name(flask.request.headers.get(header))
            if not name:
                return unauthorized(f"missing {header} header from the authenticating proxy")
            user = users.get(name)
            if user is None:
                return flask.Response(
                    f"user {name!r} has no access to Support Pulse\n", 403, mimetype="text/plain"
                )
        setattr(flask.g, VIEWER_KEY, user.viewer())
        return None


# ------------------------------------------------------------------------- the CLI


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.auth")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("hash-password", help="print a password hash for the users file")
    check = sub.add_parser("check-users", help="validate a users file")
    check.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    if args.command == "hash-password":
        if sys.stdin.isatty():
            password = getpass.getpass("password: ")
            if password != getpass.getpass("again: "):
                print("the passwords differ", file=sys.stderr)
                return 2
        else:
            password = sys.stdin.readline().rstrip("\n")
        if not password:
            print("empty password refused", file=sys.stderr)
            return 2
        print(hash_password(password))
        return 0
    try:
        users = load_users(args.path)
    except PulseError as exc:
        print(f"pulse: {exc}", file=sys.stderr)
        return 2
    for user in users.values():
        scope = user.engineer_id or ",".join(user.team_ids) or "-"
        print(f"{user.username}\t{user.role}\t{scope}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
