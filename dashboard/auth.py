"""Who is looking at the dashboard, and what they may see (DESIGN s8 security).

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

Roles: `vp` sees everything; `lead` sees their teams' engineers by name and other
teams only aggregated; `engineer` sees their own numbers; `wall` sees no personal
names. Enforcement happens where the data is read: `dashboard.data` calls the helpers
at the bottom of this module (`engineer_filter_sql`, `can_see_engineer`,
`display_name`, ...) with the `Viewer` of the request, so a crafted callback or a CSV
export gets exactly what the page would show.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import hashlib
import hmac
import secrets
import sys
import threading
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from warehouse.core.errors import PulseError

ROLES = ("vp", "lead", "engineer", "wall")
MODES = ("none", "basic", "header")
REALM = "Support Pulse"
# Paths a wall account may open as pages; callbacks and assets are always allowed
# (what they return is filtered by role in the data layer).
WALL_PAGES = ("/wall",)
_ALWAYS_ALLOWED_PREFIXES = ("/_dash-", "/assets/", "/_reload-hash", "/_favicon", "/favicon")


@dataclass(frozen=True)
class Viewer:
    username: str
    role: str  # vp | lead | engineer | wall
    engineer_id: str | None = None
    team_ids: tuple[str, ...] = ()

    @property
    def sees_everything(self) -> bool:
        return self.role == "vp"

    @property
    def sees_names(self) -> bool:
        return self.role != "wall"


LOCAL_VIEWER = Viewer("local", "vp", None, ())
# Outside a request while authentication is on: the least a viewer may see.
NOBODY = Viewer("anonymous", "wall", None, ())


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


def install_auth(app, settings) -> None:  # app: dash.Dash
    """Attach authentication for `settings.auth_mode` to the Dash app's Flask server."""
    import flask

    mode = (settings.auth_mode or "none").strip().lower()
    if mode not in MODES:
        raise PulseError(f"unknown auth mode {mode!r}: use one of {', '.join(MODES)}")
    server = app.server if hasattr(app, "server") else app
    server.config["PULSE_AUTH_MODE"] = mode
    if mode == "none":
        return
    users = load_users(settings.users_file)
    verifier = _Verifier(users)
    header = settings.auth_header

    def unauthorized(message: str = "authentication required") -> flask.Response:
        response = flask.Response(message + "\n", status=401, mimetype="text/plain")
        if mode == "basic":
            response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
        return response

    @server.before_request
    def _authenticate():
        user: User | None = None
        if mode == "basic":
            auth = flask.request.authorization
            if auth is None or auth.type != "basic" or not auth.username:
                return unauthorized()
            user = verifier.check(auth.username, auth.password or "")
            if user is None:
                return unauthorized("wrong user name or password")
        else:
            name = (flask.request.headers.get(header) or "").strip()
            if not name:
                return unauthorized(f"missing {header} header from the authenticating proxy")
            user = users.get(name)
            if user is None:
                return flask.Response(
                    f"user {name!r} has no access to Support Pulse\n", 403, mimetype="text/plain"
                )
        viewer = user.viewer()
        flask.g.pulse_viewer = viewer
        if viewer.role == "wall" and not _wall_may_open(flask.request.path):
            return flask.redirect(WALL_PAGES[0])
        return None


def _wall_may_open(path: str) -> bool:
    return path in WALL_PAGES or path.startswith(_ALWAYS_ALLOWED_PREFIXES)


def current_viewer() -> Viewer:
    """The viewer of the current request (LOCAL_VIEWER when authentication is off)."""
    import flask

    if not flask.has_app_context():
        return LOCAL_VIEWER
    mode = flask.current_app.config.get("PULSE_AUTH_MODE", "none")
    if mode == "none":
        return LOCAL_VIEWER
    if flask.has_request_context():
        viewer = flask.g.get("pulse_viewer")
        if isinstance(viewer, Viewer):
            return viewer
    return NOBODY


# -------------------------------------------------------- rules for the data layer


def can_see_engineer(viewer: Viewer, engineer_id: str | None, team_id: str | None) -> bool:
    """May this viewer see this engineer's individual numbers and name?"""
    if viewer.role == "vp":
        return True
    if viewer.role == "lead":
        return team_id is not None and team_id in viewer.team_ids
    if viewer.role == "engineer":
        return engineer_id is not None and engineer_id == viewer.engineer_id
    return False


def can_see_team(viewer: Viewer, team_id: str | None) -> bool:
    """May this viewer see a team's per-engineer breakdown?"""
    if viewer.role == "vp":
        return True
    if viewer.role == "lead":
        return team_id in viewer.team_ids
    return False


def visible_engineer_ids(viewer: Viewer, engineers: Iterable[tuple[str, str | None]]) -> set[str]:
    """Of (engineer_id, team_id) pairs, the engineer ids this viewer may see by name."""
    return {e for e, team in engineers if can_see_engineer(viewer, e, team)}


def engineer_filter_sql(
    viewer: Viewer, engineer_column: str = "engineer_id", team_column: str = "team_id"
) -> tuple[str, list[str]]:
    """A SQL predicate (with `?` parameters) keeping only rows of visible engineers.

    The column names are the caller's (trusted identifiers, never user input); the
    viewer's ids always travel as parameters.
    """
    if viewer.role == "vp":
        return "true", []
    if viewer.role == "lead":
        if not viewer.team_ids:
            return "false", []
        marks = ", ".join("?" for _ in viewer.team_ids)
        return f"{team_column} in ({marks})", list(viewer.team_ids)
    if viewer.role == "engineer" and viewer.engineer_id:
        return f"{engineer_column} = ?", [viewer.engineer_id]
    return "false", []


def display_name(
    viewer: Viewer,
    full_name: str | None,
    engineer_id: str | None,
    team_id: str | None = None,
    *,
    hidden: str = "—",
) -> str:
    """The engineer's name if the viewer may see it, else a neutral placeholder."""
    if can_see_engineer(viewer, engineer_id, team_id) and viewer.sees_names:
        return full_name or (engineer_id or hidden)
    return hidden


mask_name = display_name


def require_role(viewer: Viewer, *roles: str) -> None:
    """Raise PermissionError unless the viewer has one of `roles`."""
    if viewer.role not in roles:
        raise PermissionError(f"role {viewer.role!r} may not see this")


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
