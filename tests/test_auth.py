"""Authentication modes, users files and the role rules the data layer enforces."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import dash
import flask
import pytest
from werkzeug.security import check_password_hash

import dashboard.app  # noqa: F401  (registers the pages the access table names)
from dashboard.access import (
    LOCAL_VIEWER,
    NOBODY,
    Viewer,
    can_see_engineer,
    current_viewer,
    sees_names,
    visible_engineer_ids,
)
from dashboard.auth import hash_password, install_auth, load_users
from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings

PASSWORDS = {"vera": "vp-secret", "lena": "lead-secret", "egor": "eng-secret", "tv": "wall-secret"}


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "users.toml"
    h = {name: hash_password(pw) for name, pw in PASSWORDS.items()}
    path.write_text(
        f"""
[users.vera]
password_hash = "{h["vera"]}"
role = "vp"

[users.lena]
password_hash = "{h["lena"]}"
role = "lead"
team_ids = ["T01", "T02"]

[users.egor]
password_hash = "{h["egor"]}"
role = "engineer"
engineer_id = "E0042"
team_ids = ["T01"]

[users.tv]
password_hash = "{h["tv"]}"
role = "wall"

[users.sso-only]
role = "vp"
""",
        encoding="utf-8",
    )
    return path


def _settings(tmp_path: Path, mode: str, users_file: Path | None) -> Settings:
    return Settings(
        data_dir=tmp_path,
        raw_dir=tmp_path / "raw",
        landing_path=tmp_path / "landing.duckdb",
        warehouse_path=tmp_path / "warehouse.duckdb",
        auth_mode=mode,
        users_file=users_file,
    )


def _app(settings: Settings) -> flask.Flask:
    app = dash.Dash(__name__)
    app.layout = dash.html.Div("pulse")
    install_auth(app, settings)

    @app.server.route("/whoami")
    def whoami():
        v = current_viewer()
        return {
            "username": v.username,
            "role": v.role,
            "engineer_id": v.engineer_id,
            "team_ids": list(v.team_ids),
        }

    @app.server.route("/wall")
    def wall():
        return "wall"

    return app.server


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_password_hash_round_trip() -> None:
    hashed = hash_password("пароль-1")
    assert hashed.startswith("scrypt:")
    assert "пароль-1" not in hashed
    assert check_password_hash(hashed, "пароль-1")
    assert not check_password_hash(hashed, "пароль-2")


def test_hash_password_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "dashboard.auth", "hash-password"],
        input="s3cret\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert check_password_hash(out, "s3cret")


def test_users_file_toml_and_csv(users_file: Path, tmp_path: Path) -> None:
    users = load_users(users_file)
    assert users["lena"].viewer() == Viewer("lena", "lead", None, ("T01", "T02"))
    assert users["egor"].viewer().engineer_id == "E0042"
    csv_file = tmp_path / "users.csv"
    csv_file.write_text(
        "username,password_hash,role,engineer_id,team_ids\n"
        f"anna,{hash_password('x')},lead,,T03;T04\n"
        "tv,,wall,,\n",
        encoding="utf-8",
    )
    csv_users = load_users(csv_file)
    assert csv_users["anna"].team_ids == ("T03", "T04")
    assert csv_users["tv"].role == "wall"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[users.x]\nrole = "admin"\n', "role 'admin'"),
        ('[users.x]\nrole = "engineer"\n', "needs an engineer_id"),
        ('[users.x]\nrole = "lead"\n', "needs team_ids"),
        ("[users.x\n", "not valid TOML"),
    ],
)
def test_bad_users_file_is_one_clear_error(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "users.toml"
    path.write_text(body)
    with pytest.raises(PulseError, match=message):
        load_users(path)


def test_missing_users_file(tmp_path: Path) -> None:
    with pytest.raises(PulseError, match="PULSE_USERS_FILE"):
        load_users(None)
    with pytest.raises(PulseError, match="does not exist"):
        load_users(tmp_path / "nope.toml")


def test_mode_none_everyone_is_local_vp(tmp_path: Path) -> None:
    client = _app(_settings(tmp_path, "none", None)).test_client()
    assert client.get("/").status_code == 200
    assert client.get("/whoami").json["role"] == "vp"
    assert current_viewer() == LOCAL_VIEWER  # outside any request


def test_unknown_mode_refused(tmp_path: Path) -> None:
    with pytest.raises(PulseError, match="unknown auth mode"):
        _app(_settings(tmp_path, "ldap", None))


def test_basic_mode_requires_credentials(tmp_path: Path, users_file: Path) -> None:
    client = _app(_settings(tmp_path, "basic", users_file)).test_client()
    for path in ("/", "/whoami", "/_dash-layout", "/_dash-dependencies"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    callback = client.post("/_dash-update-component", json={"output": "x.children"})
    assert callback.status_code == 401
    assert client.get("/", headers=_basic("lena", "wrong")).status_code == 401
    assert client.get("/", headers=_basic("nobody", "x")).status_code == 401
    assert client.get("/", headers=_basic("sso-only", "")).status_code == 401  # no hash
    ok = client.get("/", headers=_basic("lena", PASSWORDS["lena"]))
    assert ok.status_code == 200
    # the cached check answers the same on the next request
    again = client.get("/whoami", headers=_basic("lena", PASSWORDS["lena"]))
    assert again.json == {
        "username": "lena",
        "role": "lead",
        "engineer_id": None,
        "team_ids": ["T01", "T02"],
    }
    assert client.get("/", headers=_basic("lena", "wrong")).status_code == 401


def test_basic_mode_resolves_roles(tmp_path: Path, users_file: Path) -> None:
    client = _app(_settings(tmp_path, "basic", users_file)).test_client()
    roles = {
        name: client.get("/whoami", headers=_basic(name, pw)).json
        for name, pw in PASSWORDS.items()
        if name != "tv"
    }
    assert roles["vera"]["role"] == "vp"
    assert roles["egor"] == {
        "username": "egor",
        "role": "engineer",
        "engineer_id": "E0042",
        "team_ids": ["T01"],
    }


def test_wall_account_only_opens_the_wall(tmp_path: Path, users_file: Path) -> None:
    client = _app(_settings(tmp_path, "basic", users_file)).test_client()
    creds = _basic("tv", PASSWORDS["tv"])
    home = client.get("/", headers=creds)
    assert home.status_code == 302 and home.headers["Location"].endswith("/wall")
    assert client.get("/engineers", headers=creds).status_code == 302
    assert client.get("/wall", headers=creds).status_code == 200
    assert client.get("/_dash-layout", headers=creds).status_code == 200


def test_header_mode(tmp_path: Path, users_file: Path) -> None:
    settings = _settings(tmp_path, "header", users_file)
    client = _app(settings).test_client()
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"X-Forwarded-User": ""}).status_code == 401
    assert client.get("/", headers={"X-Forwarded-User": "mallory"}).status_code == 403
    # Basic credentials mean nothing in header mode
    assert client.get("/", headers=_basic("vera", PASSWORDS["vera"])).status_code == 401
    who = client.get("/whoami", headers={"X-Forwarded-User": "sso-only"}).json
    assert who["role"] == "vp"
    who = client.get("/whoami", headers={"X-Forwarded-User": "lena"}).json
    assert who["role"] == "lead" and who["team_ids"] == ["T01", "T02"]


def test_header_name_is_configurable(tmp_path: Path, users_file: Path) -> None:
    settings = _settings(tmp_path, "header", users_file).with_overrides(auth_header="X-Remote-User")
    client = _app(settings).test_client()
    assert client.get("/", headers={"X-Forwarded-User": "vera"}).status_code == 401
    assert client.get("/", headers={"X-Remote-User": "vera"}).status_code == 200


def test_viewer_outside_request_is_least_privileged(tmp_path: Path, users_file: Path) -> None:
    server = _app(_settings(tmp_path, "basic", users_file))
    with server.app_context():
        assert current_viewer() == NOBODY


VP = Viewer("vera", "vp")
LEAD = Viewer("lena", "lead", None, ("T01",))
ENGINEER = Viewer("egor", "engineer", "E1", ("T01",))
WALL = Viewer("tv", "wall")


@pytest.mark.parametrize(
    ("viewer", "own_team_other", "other_team"),
    [(VP, True, True), (LEAD, True, False), (ENGINEER, False, False), (WALL, False, False)],
)
def test_can_see_engineer(viewer: Viewer, own_team_other: bool, other_team: bool) -> None:
    assert can_see_engineer(viewer, "E2", "T01") is own_team_other
    assert can_see_engineer(viewer, "E9", "T02") is other_team
    assert can_see_engineer(ENGINEER, "E1", "T01")


def test_team_visibility_and_names() -> None:
    """(can_see_team, display_name and engineer_filter_sql were unused helpers, removed
    with issue 11; the rules they restated are these, in dashboard.access.)"""
    pairs = [("E1", "T01"), ("E2", "T01"), ("E9", "T02")]
    assert visible_engineer_ids(VP, pairs) == {"E1", "E2", "E9"}
    assert visible_engineer_ids(LEAD, pairs) == {"E1", "E2"}
    assert visible_engineer_ids(ENGINEER, pairs) == {"E1"}
    assert visible_engineer_ids(WALL, pairs) == set()
    assert sees_names(LEAD) and can_see_engineer(LEAD, "E2", "T01")
    assert not can_see_engineer(LEAD, "E9", "T02")
    assert not sees_names(WALL)
    hostile = Viewer("x", "lead", None, ("T'); drop table w; --",))
    assert visible_engineer_ids(hostile, [*pairs, ("E'x", "T'); drop table w; --")]) == {"E'x"}


# ------------------------------------------------------------------------------------
# Enforcement in the data layer and over HTTP, on the small real build: a lead of
# team t1-spb must never see another team's engineers by name, an engineer only
# themself, the wall nobody, whatever URL, callback request or export they try.

LEAD_TEAM = "t1-spb"  # two engineers in the small build: ENG016 and ENG019
ME = "ENG016"

ROLE_USERS = f"""
[users.vera]
role = "vp"
[users.lena]
role = "lead"
team_ids = ["{LEAD_TEAM}"]
[users.ivan]
role = "engineer"
engineer_id = "{ME}"
team_ids = ["{LEAD_TEAM}"]
[users.tv]
role = "wall"
"""


@pytest.fixture(scope="module")
def roles_env(built_warehouse, tmp_path_factory: pytest.TempPathFactory):
    import dataclasses

    import duckdb

    data = pytest.importorskip("dashboard.data")
    users = tmp_path_factory.mktemp("roles") / "users.toml"
    users.write_text(ROLE_USERS, encoding="utf-8")
    settings = dataclasses.replace(built_warehouse.settings, auth_mode="header", users_file=users)
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        rows = con.execute("select engineer_id, full_name, team_id from dim_engineer").fetchall()
    finally:
        con.close()
    names = {eid: (name, team) for eid, name, team in rows}
    assert {eid for eid, (_n, team) in names.items() if team == LEAD_TEAM} == {ME, "ENG019"}
    return settings, data, names


def _names_outside(names: dict, allowed: set[str]) -> set[str]:
    return {name for eid, (name, _team) in names.items() if eid not in allowed}


def _leaks(text: str, forbidden: set[str]) -> set[str]:
    """Forbidden names found in a response, raw or JSON-escaped."""
    import json

    return {n for n in forbidden if n in text or json.dumps(n)[1:-1] in text}


def _frame_text(frame) -> str:
    return frame.write_csv() if hasattr(frame, "write_csv") else str(frame)


def test_lead_cannot_open_another_teams_engineer(roles_env) -> None:
    settings, data, _names = roles_env
    lead = Viewer("lena", "lead", None, (LEAD_TEAM,))
    assert data.engineer_profile(settings, lead, "ENG019")["engineer"]["engineer_id"] == "ENG019"
    for other in ("ENG001", "ENG006"):
        with pytest.raises(data.Forbidden):
            data.engineer_profile(settings, lead, other)


def test_engineer_sees_only_themself(roles_env) -> None:
    settings, data, names = roles_env
    me = Viewer("ivan", "engineer", ME, (LEAD_TEAM,))
    assert data.engineer_profile(settings, me, ME)["engineer"]["full_name"] == names[ME][0]
    with pytest.raises(data.Forbidden):
        data.engineer_profile(settings, me, "ENG019")
    text = _frame_text(data.engineer_table(settings, me))
    assert names[ME][0] in text
    assert not _leaks(text, _names_outside(names, {ME}))


@pytest.mark.parametrize("export", ["engineer_table", "engineer_csv_rows"])
def test_lead_table_and_csv_export_fold_other_teams(roles_env, export: str) -> None:
    settings, data, names = roles_env
    lead = Viewer("lena", "lead", None, (LEAD_TEAM,))
    frame = getattr(data, export)(settings, lead)
    text = _frame_text(frame)
    own = {eid for eid, (_n, team) in names.items() if team == LEAD_TEAM}
    assert not _leaks(text, _names_outside(names, own))
    assert any(names[eid][0] in text for eid in own)
    others = frame.filter(frame["team_id"] != LEAD_TEAM)
    if others.height:  # other teams only as aggregates, without ids or names
        assert others["is_aggregate"].all()
        assert others["engineer_id"].null_count() == others.height
        assert others["full_name"].null_count() == others.height


def test_wall_data_carries_no_name(roles_env) -> None:
    import json

    settings, data, names = roles_env
    wall = Viewer("tv", "wall")
    every_name = {name for name, _team in names.values()}
    snapshot = json.dumps(data.wall_snapshot(settings, wall), default=str, ensure_ascii=False)
    assert not _leaks(snapshot, every_name)
    assert not _leaks(_frame_text(data.engineer_table(settings, wall)), every_name)


@pytest.fixture(scope="module")
def served_roles(roles_env):
    """The real Dash app on a loopback port, in `header` mode with the users above."""
    import threading

    from werkzeug.serving import make_server

    settings, _data, names = roles_env
    from dashboard.app import create_app

    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", names
    finally:
        server.shutdown()
        thread.join(10)


def _as(user: str) -> dict[str, str]:
    return {"X-Forwarded-User": user}


def _replay(base: str, samples, user: str) -> list[tuple[str, int, str]]:
    import requests

    http = requests.Session()
    http.headers.update(_as(user))
    out = []
    for s in samples:
        if s.method == "POST":
            r = http.post(base + s.path, json=s.payload, timeout=60)
        else:
            r = http.get(base + s.path, timeout=60)
        out.append((s.name, r.status_code, r.text))
    return out


@pytest.fixture(scope="module")
def vp_samples(served_roles):
    """Every callback request and page the VP's browser would make, including the ones
    that open single engineers of every team."""
    from tests.harness.loadtest import discover

    base, names = served_roles
    # every engineer's own page by URL, besides the pages the app links to
    samples = discover(
        base, headers=_as("vera"), pages=tuple(f"/engineer/{eid}" for eid in sorted(names))
    )
    responses = _replay(base, samples, "vera")
    everyone = {name for name, _team in names.values()}
    if not any(_leaks(text, everyone) for _n, _s, text in responses):
        pytest.skip("no page of the app shows engineer names yet")
    for eid, (name, _team) in names.items():  # the VP does see each engineer's page
        page = [text for n, _s, text in responses if n.endswith(f"@/engineer/{eid}")]
        assert page and _leaks(page[0], {name}), eid
    return samples


def test_lead_crafted_callbacks_and_urls_reveal_no_other_team(served_roles, vp_samples) -> None:
    """The lead replays the VP's requests (URLs of every page and engineer, every
    callback with the VP's inputs): nothing names an engineer of another team."""
    base, names = served_roles
    own = {eid for eid, (_n, team) in names.items() if team == LEAD_TEAM}
    forbidden = _names_outside(names, own)
    for name, status, text in _replay(base, vp_samples, "lena"):
        assert status < 500, (name, status, text[:300])
        assert not _leaks(text, forbidden), (name, _leaks(text, forbidden))


def test_engineer_crafted_callbacks_reveal_no_colleague(served_roles, vp_samples) -> None:
    base, names = served_roles
    forbidden = _names_outside(names, {ME})
    for name, status, text in _replay(base, vp_samples, "ivan"):
        assert status < 500, (name, status, text[:300])
        assert not _leaks(text, forbidden), (name, _leaks(text, forbidden))


def test_wall_never_carries_a_name(served_roles, vp_samples) -> None:
    base, names = served_roles
    everyone = {name for name, _team in names.values()}
    import requests

    wall_page = requests.get(base + "/wall", headers=_as("tv"), timeout=60)
    assert wall_page.status_code == 200
    assert not _leaks(wall_page.text, everyone)
    for name, status, text in _replay(base, vp_samples, "tv"):
        assert status < 500, (name, status, text[:300])
        assert not _leaks(text, everyone), (name, _leaks(text, everyone))


def _serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    import os

    env = dict(os.environ)
    for key in list(env):
        if key.startswith("PULSE_"):
            del env[key]
    env.update(PULSE_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def test_serve_binds_loopback_and_starts_without_a_warehouse(tmp_path: Path) -> None:
    import time

    import psutil
    import requests

    from tests.harness.loadtest import free_port

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "warehouse.cli", "serve", "--port", str(port), "--workers", "1"],
            env=_serve_env(tmp_path),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        answered = None
        while answered is None and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                answered = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            except requests.ConnectionError:
                time.sleep(0.3)
        assert answered is not None, log.read_text()
        listening = {
            c.laddr.ip
            for p in [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            for c in p.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port
        }
        assert listening == {"127.0.0.1"}
        assert "no published warehouse" in log.read_text()
    finally:
        import os
        import signal

        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def test_serve_refuses_auth_without_users_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "warehouse.cli", "serve", "--port", "1"],
        env=_serve_env(tmp_path, PULSE_AUTH="basic"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "PULSE_USERS_FILE" in done.stderr
    assert "Traceback" not in done.stderr
