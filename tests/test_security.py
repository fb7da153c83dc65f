"""The dashboard's security items of issue 11, each attacked the way it was reported:
crafted Dash callbacks for forbidden pages, raw rejected rows, login guessing, framing,
open redirects, markdown link injection, non-ASCII proxy user names and a damaged
warehouse. The app is the real one (`create_app`) on a copy of the small real build
with hostile extract text added; requests go through Flask's test client or a real
loopback server."""

from __future__ import annotations

import base64
import json
import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import flask
import pytest

from dashboard import access, auth, data
from dashboard.access import NOBODY, Viewer
from dashboard.lockout import LoginThrottle
from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings

# The small build's ids: a lead of team t1-spb (ENG016, ENG019), engineer ENG016.
LEAD_TEAM, ME = "t1-spb", "ENG016"
HOSTILE_TICKET = "EVIL](http://evil.example/phish"
HOSTILE_TEAM = '<a href="http://evil.example/x">Архитекторы</a>'
SECRET_NAME, SECRET_MAIL = "Вера Секретова", "vera.secret@example.com"
SECRET_COMMENT = "Пётр Личный грубил"

USERS = """
[users.vera]
role = "vp"
[users.lena]
role = "lead"
team_ids = ["t1-spb"]
[users.ivan]
role = "engineer"
engineer_id = "ENG016"
team_ids = ["t1-spb"]
[users.tv]
role = "wall"
[users."вера"]
role = "vp"
"""


def _settings(root: Path, warehouse: Path, mode: str, users: Path | None) -> Settings:
    return Settings(
        data_dir=root,
        raw_dir=root / "raw",
        landing_path=root / "landing.duckdb",
        warehouse_path=warehouse,
        auth_mode=mode,
        users_file=users,
    )


def _hostile_warehouse(source: Path, path: Path) -> Path:
    """A copy of the small real build plus extract text that tries to become markup or
    leak."""
    shutil.copy(source, path)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "insert into fct_dq_load_rejects (batch_id, entity, file_name, line_number, raw_row, "
            "reason) values "
            "(9001, 'engineers', 'engineers/b1.csv', 4, ?, 'team_id: missing required value'), "
            "(9001, 'csat_responses', 'csat_responses/b1.csv', 9, ?, 'score: out of range'), "
            "(9001, 'support_costs', 'support_costs/b1.csv', 3, ?, 'amount: negative amount'), "
            "(9001, 'tickets', 'tickets/b1.csv', 5, ?, 'priority: unknown value'), "
            "(9001, 'ticket_events', 'ticket_events/b1.csv', 6, ?, 'event_at: not a time')",
            [
                f'{{"engineer_id": "E77", "full_name": "{SECRET_NAME}", "email": "{SECRET_MAIL}"}}',
                f'{{"response_id": "R1", "score": "9", "comment": "{SECRET_COMMENT}"}}',
                '{"month": "2025-04", "cost_category": "tools", "amount": "-5"}',
                f'{{"ticket_id": "T9", "subject": "{SECRET_NAME}", "priority": "urgent"}}',
                f'{{"event_id": "V9", "body": "{SECRET_COMMENT}", "event_at": "soon"}}',
            ],
        )
        # the page's rejects-by-reason grid reads fct_dq_reject_reasons: one row per
        # entity and reason added above (five rejects, five reasons), one reject each
        con.execute(
            "insert into fct_dq_reject_reasons select entity || '|' || reason, entity, "
            "reason, 1 from fct_dq_load_rejects where batch_id = 9001"
        )
        # A headerless engineers file: the loader's error quotes its first line.
        con.execute(
            "insert into fct_dq_load_manifest (batch_id, entity, file_name, rows_read, "
            "rows_landed, rows_rejected, status, error_message, loaded_at, is_reconciled) "
            "values (9002, 'engineers', 'engineers/b2.csv', 0, 0, 0, 'failed', ?, "
            "timestamp '2025-05-15 09:00', true)",
            [f"misses the required column email (the header has: E78, {SECRET_NAME})"],
        )
        # A ticket whose id is markdown, solved by ENG016, reviewed, rated and breached.
        con.execute(
            "insert into fct_tickets select * replace (? as ticket_id) from fct_tickets "
            "where solver_id = ? and not is_open order by created_at desc limit 1",
            [HOSTILE_TICKET, ME],
        )
        con.execute(
            "insert into fct_qa_reviews select * replace ('RX' as review_id, ? as ticket_id, "
            "? as engineer_id, timestamp '2025-05-14 10:00' as reviewed_at) "
            "from fct_qa_reviews limit 1",
            [HOSTILE_TICKET, ME],
        )
        con.execute(
            "insert into fct_csat_responses select * replace ('CX' as response_id, "
            "? as ticket_id, ? as solver_id, timestamp '2025-05-14 10:00' as responded_at) "
            "from fct_csat_responses limit 1",
            [HOSTILE_TICKET, ME],
        )
        con.execute(
            "insert into fct_sla_outcomes select * replace (? as ticket_id, 'breached' as "
            "outcome, 1e6 as elapsed_minutes, timestamp '2025-05-14 10:00' as outcome_at) "
            "from fct_sla_outcomes where support_tier = 'premium' and outcome = 'breached' "
            "limit 1",
            [HOSTILE_TICKET],
        )
        # the team's name as a build carries it: the dimension and the breakdown mart
        con.execute(
            "update fct_sla_breakdown_periods set breakdown_key = ? where dimension = 'team' "
            "and breakdown_key = (select team_name from dim_team where team_id = 't3')",
            [HOSTILE_TEAM],
        )
        con.execute("update dim_team set team_name = ? where team_id = 't3'", [HOSTILE_TEAM])
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def env(built_warehouse, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(root, warehouse, users file)."""
    root = tmp_path_factory.mktemp("security")
    users = root / "users.toml"
    users.write_text(USERS, encoding="utf-8")
    source = built_warehouse.settings.warehouse_path
    return root, _hostile_warehouse(source, root / "warehouse.duckdb"), users


@pytest.fixture(scope="module")
def app(env):
    from dashboard.app import create_app

    root, warehouse, users = env
    return create_app(_settings(root, warehouse, "header", users))


@pytest.fixture(scope="module")
def client(app) -> flask.testing.FlaskClient:
    return app.server.test_client()


def _as(user: str) -> dict[str, str]:
    return {"X-Forwarded-User": user}


def _router(path: str, search: str = "") -> dict[str, Any]:
    """The body of the Dash pages router callback a browser sends for `path`."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }


SLA_PARAMS = {"start": "2025-04-16", "end": "2025-05-15", "tier": None, "metric": None}


def _sla_export() -> dict[str, Any]:
    return {
        "output": "sla-tickets-download.data",
        "outputs": {"id": "sla-tickets-download", "property": "data"},
        "inputs": [{"id": "sla-tickets-export", "property": "n_clicks", "value": 1}],
        "state": [
            {"id": "sla-params", "property": "data", "value": SLA_PARAMS},
            {"id": "sla-sel", "property": "data", "value": {"outcome": "breached"}},
            {"id": "sla-lang", "property": "data", "value": "en"},
        ],
        "changedPropIds": ["sla-tickets-export.n_clicks"],
    }


def _post(client, body: Any, user: str):
    return client.post("/_dash-update-component", json=body, headers=_as(user))


# --------------------------------------------------------------- 8: page access by role

PAGE_MARKERS = {
    "/sla": "sla-heatmap",
    "/quality": "dq-batches",
    "/revenue": "kpi-revenue",
    "/customers": "nps-chart",
    "/": "okr-summary",
    "/teams": "teams-grid",
}


@pytest.mark.parametrize(("path", "marker"), sorted(PAGE_MARKERS.items()))
def test_wall_gets_no_page_through_the_router_callback(client, path: str, marker: str) -> None:
    seen = _post(client, _router(path), "vera")
    assert seen.status_code == 200 and marker in seen.text  # the VP's browser gets it
    refused = _post(client, _router(path), "tv")
    assert refused.status_code == 403
    assert marker not in refused.text


def test_wall_gets_no_export_nor_drill_nor_filter_callback(client) -> None:
    export = _post(client, _sla_export(), "vera")
    assert export.status_code == 200 and "sla-tickets" in export.text
    assert _post(client, _sla_export(), "tv").status_code == 403
    teams = {
        "output": "teams-grid-download.data",
        "outputs": {"id": "teams-grid-download", "property": "data"},
        "inputs": [{"id": "teams-grid-export", "property": "n_clicks", "value": 1}],
        "state": [{"id": "teams-params", "property": "data", "value": {"weeks": 4}}],
    }
    assert _post(client, teams, "tv").status_code == 403
    drill = {
        "output": "..sla-tickets.rowData...sla-selection.children...sla-sel.data..",
        "inputs": [{"id": "sla-heatmap", "property": "clickData", "value": None}],
        "state": [],
    }
    assert _post(client, drill, "tv").status_code == 403
    flt = {"output": "flt-url.search", "inputs": [], "state": []}
    assert _post(client, flt, "tv").status_code == 403


def test_wall_keeps_its_own_page_and_refresh(client) -> None:
    assert _post(client, _router("/wall"), "tv").status_code == 200
    refresh = {
        "output": "..wall-tiles.children...wall-data.data..",
        "outputs": [
            {"id": "wall-tiles", "property": "children"},
            {"id": "wall-data", "property": "data"},
        ],
        "inputs": [{"id": "wall-refresh", "property": "n_intervals", "value": 1}],
        "state": [{"id": "wall-lang", "property": "data", "value": "en"}],
        "changedPropIds": ["wall-refresh.n_intervals"],
    }
    answer = _post(client, refresh, "tv")
    assert answer.status_code == 200 and "wall-fr" in answer.text
    # GETs of other pages still land on the wall
    moved = client.get("/quality", headers=_as("tv"))
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/wall")


def test_unknown_or_malformed_callbacks_fail_closed(client) -> None:
    for body, status in (
        ({"output": "no-such.children", "inputs": []}, 403),
        ({"output": "wall-seen.data", "inputs": []}, 403),  # clientside: no server function
        ({"outputs": []}, 400),
        ([1, 2], 400),
        ({**_router("/sla"), "inputs": [{"id": "x", "property": "y", "value": 5}]}, 400),
    ):
        answer = _post(client, body, "vera")  # the VP too: nothing unknown runs
        assert answer.status_code == status, body
        assert "Traceback" not in answer.text


def test_no_other_writing_request_gets_through(client) -> None:
    for path in ("/", "/sla", "/_dash-layout", "/lang/en", "/_dash-update-component/"):
        answer = client.post(path, json=_router("/sla"), headers=_as("vera"))
        assert answer.status_code == 403, path
        assert "sla-heatmap" not in answer.text


def test_every_server_callback_has_an_owner_page(app) -> None:
    """A callback added without an owner would be refused: this names it first."""
    body_for = {"inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"}]}
    for output, spec in app.callback_map.items():
        if spec.get("callback") is None:
            continue  # clientside: never posted to the server
        pages = access.callback_pages(app, {"output": output, **body_for})
        assert pages and pages <= set(access.PAGES), output


def test_every_page_is_in_the_access_table(app) -> None:
    import dash

    names = {module.rsplit(".", 1)[-1] for module in dash.page_registry}
    assert names == set(access.PAGES)
    assert access.ROLE_PAGES["vp"] == frozenset(access.PAGES)


def test_a_page_layout_refuses_a_viewer_the_table_does_not_allow(app) -> None:
    import dash

    layout = dash.page_registry["pages.quality"]["layout"]
    with app.server.test_request_context("/quality"):
        setattr(flask.g, access.VIEWER_KEY, Viewer("tv", "wall"))
        text = json.dumps(layout(), default=lambda o: o.to_plotly_json())
    assert "empty-forbidden" in text and "dq-batches" not in text


# ----------------------------------------------------------- 9: raw rejected rows


def test_raw_rejected_rows_of_personal_entities_are_vp_only(env, client) -> None:
    root, warehouse, users = env
    settings = _settings(root, warehouse, "header", users)
    raw = {
        r["entity"]: r["raw_row"]
        for r in data.quality(settings, Viewer("vera", "vp"))["reject_rows"].to_dicts()
    }
    assert SECRET_MAIL in raw["engineers"] and SECRET_COMMENT in raw["csat_responses"]
    errors = data.quality(settings, Viewer("vera", "vp"))["batches"]["error"].to_list()
    assert any(SECRET_NAME in (e or "") for e in errors)
    for viewer in (Viewer("lena", "lead", None, (LEAD_TEAM,)), Viewer("ivan", "engineer", ME)):
        rows = data.quality(settings, viewer)["reject_rows"].to_dicts()
        by_entity = {r["entity"]: r for r in rows}
        for personal in ("engineers", "csat_responses", "tickets", "ticket_events"):
            assert by_entity[personal]["raw_row"] is None, personal
            assert by_entity[personal]["reason"]  # counts and reasons stay
        assert by_entity["support_costs"]["raw_row"] == raw["support_costs"]
        batches = data.quality(settings, viewer)["batches"]
        assert not any(SECRET_NAME in (e or "") for e in batches["error"].to_list())
        assert batches.filter(batches["file_name"] == "engineers/b2.csv")["status"][0] == "failed"
        reasons = data.quality(settings, viewer)["reasons"]
        assert reasons["n"].sum() == 5  # the five rejects added to a build without any
    # and over HTTP: the lead's quality page carries neither the name nor the e-mail
    page = _post(client, _router("/quality"), "lena")
    assert page.status_code == 200 and "dq-rejects-grid" in page.text
    for secret in (SECRET_NAME, SECRET_MAIL, SECRET_COMMENT):
        assert secret not in page.text and json.dumps(secret)[1:-1] not in page.text
    assert SECRET_MAIL in _post(client, _router("/quality"), "vera").text


# --------------------------------------------------------- 10: access fails closed


def test_an_app_without_configured_auth_is_nobody_not_the_vp() -> None:
    bare = flask.Flask("bare")
    with bare.test_request_context("/"):
        assert access.current_viewer() == NOBODY
    assert not access.may_open(NOBODY, "wall")
    assert not access.sees_names(NOBODY)


def test_unknown_role_sees_no_page_and_no_one() -> None:
    odd = Viewer("x", "admin")
    assert not any(access.may_open(odd, p) for p in access.PAGES)
    assert not access.can_see_engineer(odd, "E01", "T1")
    assert not access.sees_names(odd)
    assert not access.may_see_raw_rejects(odd, "support_costs")


def test_one_module_owns_the_rules() -> None:
    """No second copy of the rule in the data layer, and no unused helper left in auth."""
    for copy in ("can_see_engineer", "may_see_names", "scope_of"):
        assert not hasattr(data, copy), copy
    for helper in ("can_see_engineer", "can_see_team", "engineer_filter_sql", "display_name"):
        assert not hasattr(auth, helper), helper
    import dashboard.components.context as context

    assert "ImportError" not in Path(context.__file__).read_text(encoding="utf-8")


def test_hostile_team_id_of_a_lead_is_never_sql(env) -> None:
    root, warehouse, users = env
    settings = _settings(root, warehouse, "header", users)
    hostile = Viewer("x", "lead", None, ("t1-spb'); drop table dim_engineer; --",))
    frame = data.engineer_table(settings, hostile)
    assert frame["is_aggregate"].all()
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from dim_engineer").fetchone()[0] == 22
    con.close()


# ------------------------------------------------------------ 11: login throttling

PASSWORD = "right-horse-battery"


@pytest.fixture(scope="module")
def basic_users(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("basic") / "users.toml"
    digest = auth.hash_password(PASSWORD)
    path.write_text(
        f'[users.anna]\npassword_hash = "{digest}"\nrole = "vp"\n'
        f'[users.boris]\npassword_hash = "{digest}"\nrole = "lead"\nteam_ids = ["T1"]\n'
        f'[users."вера"]\npassword_hash = "{digest}"\nrole = "vp"\n',
        encoding="utf-8",
    )
    return path


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _basic(user: str, password: str, addr: str = "10.0.0.1") -> dict[str, Any]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"headers": {"Authorization": f"Basic {token}"}, "environ_base": {"REMOTE_ADDR": addr}}


def _basic_app(tmp_path: Path, users: Path, throttle: LoginThrottle | None = None):
    import dash

    app = dash.Dash(__name__)
    app.layout = dash.html.Div("pulse")
    auth.install_auth(
        app, _settings(tmp_path, tmp_path / "w.duckdb", "basic", users), throttle=throttle
    )
    return app.server.test_client()


def test_guessing_locks_the_user_and_the_right_password_waits(
    tmp_path: Path, basic_users: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    throttle = LoginThrottle(
        max_failures=5, window_s=900, lockout_s=60, max_lockout_s=600, clock=clock
    )
    client = _basic_app(tmp_path, basic_users, throttle)
    caplog.set_level(logging.WARNING, logger="pulse.auth")
    codes = [client.get("/", **_basic("anna", f"guess-{i}")).status_code for i in range(8)]
    assert codes == [401] * 5 + [429] * 3  # the 6th attempt is already refused
    right = client.get("/", **_basic("anna", PASSWORD))
    assert right.status_code == 429 and right.headers["Retry-After"] == "60"
    assert "login locked: user 'anna'" in caplog.text
    clock.now += 61
    assert client.get("/", **_basic("anna", PASSWORD)).status_code == 200


def test_basic_mode_logs_in_a_utf8_user_name(tmp_path: Path, basic_users: Path) -> None:
    client = _basic_app(tmp_path, basic_users)
    assert client.get("/", **_basic("вера", PASSWORD)).status_code == 200
    assert client.get("/", **_basic("вера", "wrong")).status_code == 401


def test_lockouts_grow_and_cover_the_address(tmp_path: Path, basic_users: Path) -> None:
    clock = Clock()
    throttle = LoginThrottle(
        max_failures=3, window_s=900, lockout_s=10, max_lockout_s=25, clock=clock
    )
    client = _basic_app(tmp_path, basic_users, throttle)
    # one address trying many names: the address locks, for every name it tries
    for name in ("x1", "x2", "x3"):
        assert client.get("/", **_basic(name, "nope", "10.9.9.9")).status_code == 401
    assert client.get("/", **_basic("boris", PASSWORD, "10.9.9.9")).status_code == 429
    assert client.get("/", **_basic("boris", PASSWORD, "10.0.0.2")).status_code == 200
    # the name locked again after its lock ended: twice as long, capped
    waits = []
    for _round in range(3):
        for i in range(3):
            client.get("/", **_basic("anna", f"bad-{i}", f"10.1.{_round}.{i}"))
        waits.append(
            int(client.get("/", **_basic("anna", PASSWORD, "10.2.0.1")).headers["Retry-After"])
        )
        clock.now += waits[-1] + 1
    assert waits == [10, 20, 25]


def test_throttle_thresholds_from_the_environment(
    env, tmp_path: Path, basic_users: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert LoginThrottle.from_env({}).max_failures == 5
    custom = LoginThrottle.from_env(
        {
            "PULSE_LOGIN_MAX_FAILURES": "2",
            "PULSE_LOGIN_WINDOW_S": "30",
            "PULSE_LOGIN_LOCKOUT_S": "7",
        }
    )
    assert (custom.max_failures, custom.window_s, custom.lockout_s) == (2, 30.0, 7.0)
    assert custom.per_address
    assert not LoginThrottle.from_env({"PULSE_LOGIN_PER_ADDRESS": "0"}).per_address
    with pytest.raises(PulseError, match="PULSE_LOGIN_LOCKOUT_S"):
        LoginThrottle.from_env({"PULSE_LOGIN_LOCKOUT_S": "soon"})
    monkeypatch.setenv("PULSE_LOGIN_MAX_FAILURES", "2")
    client = _basic_app(tmp_path, basic_users)
    assert [client.get("/", **_basic("boris", "no")).status_code for _ in range(2)] == [401, 401]
    assert client.get("/", **_basic("boris", PASSWORD)).status_code == 429


# -------------------------------------------------------------- 12: security headers


def test_every_response_carries_the_security_headers(env, client) -> None:
    index = client.get("/", headers=_as("vera"))
    script = next(
        part.split('"')[0]
        for part in index.text.split('src="')[1:]
        if part.startswith("/_dash-component-suites/")
    )
    responses = {
        "page": index,
        "asset": client.get("/assets/pulse.js", headers=_as("vera")),
        "component suite": client.get(script, headers=_as("vera")),
        "401": client.get("/"),
        "403 unknown user": client.get("/", headers=_as("mallory")),
        "403 callback": _post(client, _router("/sla"), "tv"),
        "404": client.get("/assets/no-such-file.css", headers=_as("vera")),
        "302": client.get("/sla", headers=_as("tv")),
        "callback": _post(client, _router("/wall"), "tv"),
    }
    assert [r.status_code for r in responses.values()] == [
        200,
        200,
        200,
        401,
        403,
        403,
        404,
        302,
        200,
    ]
    for what, response in responses.items():
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'self'" in csp, what
        assert response.headers.get("X-Frame-Options") == "SAMEORIGIN", what
        assert response.headers.get("X-Content-Type-Options") == "nosniff", what
        assert response.headers.get("Referrer-Policy") == "same-origin", what


def test_scripts_are_limited_to_ours_and_the_pages_inline_scripts_by_hash(client) -> None:
    import hashlib
    import re

    index = client.get("/", headers=_as("vera"))
    csp = index.headers["Content-Security-Policy"]
    scripts = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    inline = [
        body
        for attrs, body in re.findall(
            r"<script([^>]*)>(.*?)</script>",
            re.sub(r"<!--.*?-->", "", index.text, flags=re.S),
            re.S,
        )
        if "src=" not in attrs and "application/json" not in attrs and body.strip()
    ]
    assert len(inline) >= 2  # Dash's renderer boot and clientside callbacks, by hash
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts


def test_even_an_unexpected_error_carries_the_security_headers(env) -> None:
    from dashboard.app import create_app

    root, warehouse, _users = env
    fresh = create_app(_settings(root, warehouse, "none", None))

    @fresh.server.route("/lang/boom/<code>")
    def _boom(code: str):
        raise RuntimeError(code)

    answer = fresh.server.test_client().get("/lang/boom/x")
    assert answer.status_code == 500
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in answer.headers["Content-Security-Policy"]


# ---------------------------------------------------------------- 13: local redirects


@pytest.mark.parametrize(
    ("referer", "target"),
    [
        ("http://localhost.evil.example/phish", "/"),
        ("http://localhost@evil.example/phish", "/"),
        ("http://evil.example/?next=http://localhost/", "/"),
        ("http://localhost:99999999/sla", "/"),
        ("http://[::1/", "/"),
        ("javascript:alert(1)//localhost/", "/"),
        ("http://localhost//evil.example/x", "/evil.example/x"),
        ("http://localhost/\\evil.example/x", "/evil.example/x"),
        ("http://localhost/sla?lang=en&tier=premium", "/sla?tier=premium"),
        ("http://LOCALHOST/teams", "/teams"),
        (None, "/"),
    ],
)
def test_language_switch_redirects_only_to_a_local_path(
    client, referer: str | None, target: str
) -> None:
    headers = _as("vera") | ({"Referer": referer} if referer else {})
    answer = client.get("/lang/en", headers=headers)
    assert answer.status_code == 302
    assert answer.headers["Location"] == target
    assert "lang=en" in answer.headers.get("Set-Cookie", "")


# --------------------------------------------------------- 14: no markup from extracts


def _components(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _components(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _components(value)


def _strings(tree: Any) -> Iterator[str]:
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, dict | list):
        for value in tree.values() if isinstance(tree, dict) else tree:
            yield from _strings(value)


def _grid_columns(response_text: str) -> dict[str, list[dict[str, Any]]]:
    tree = json.loads(response_text)
    grids = {}
    for node in _components(tree):
        props = node.get("props") if node.get("type") == "AgGrid" else None
        if props:
            grids[props["id"]] = props
    return grids


@pytest.mark.parametrize("path", ["/engineer/ENG016", "/sla", "/teams"])
def test_no_grid_renders_markdown_and_ticket_links_are_built_from_encoded_ids(
    client, path: str
) -> None:
    # /sla lists the outcomes of its chosen period: the one holding the hostile outcome
    search = "?period=2025-05" if path == "/sla" else ""
    page = _post(client, _router(path, search), "vera")
    assert page.status_code == 200
    grids = _grid_columns(page.text)
    assert grids, path
    assert '"markdown"' not in page.text  # no cell of any grid is read as markdown
    # no markdown link is built anywhere: the only "](" is the hostile id itself
    assert {text for text in _strings(json.loads(page.text)) if "](" in text} <= {HOSTILE_TICKET}
    for grid_id, props in grids.items():
        for col in props["columnDefs"]:
            if col.get("cellRenderer"):
                assert col["cellRenderer"] == "PulseLink", (grid_id, col)
                assert col["cellRendererParams"]["prefix"] in ("/ticket/", "/engineer/")
    if path != "/teams":  # the hostile id arrives as plain data in its own cell
        cells = [
            row.get("ticket") or row.get("ticket_id")
            for props in grids.values()
            for row in props["rowData"]
        ]
        assert HOSTILE_TICKET in cells, path


def test_chart_labels_from_extracts_are_not_plotly_markup(client) -> None:
    page = _post(client, _router("/sla"), "vera")
    assert page.status_code == 200
    assert HOSTILE_TEAM not in page.text and json.dumps(HOSTILE_TEAM)[1:-1] not in page.text
    assert "&lt;a href=" in page.text


# ------------------------------------------------- 15a: UTF-8 user names in header mode


def test_header_mode_reads_a_utf8_user_name(app) -> None:
    import requests
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        # A proxy sends the name's UTF-8 bytes; the WSGI server decodes them as latin-1.
        answer = requests.get(base + "/", headers={"X-Forwarded-User": "вера".encode()}, timeout=30)
        assert answer.status_code == 200, answer.text
        other = requests.get(base + "/", headers={"X-Forwarded-User": "веры".encode()}, timeout=30)
        assert other.status_code == 403 and "веры" in other.text
    finally:
        server.shutdown()
        thread.join(10)


# -------------------------------------------------- 16: a damaged published warehouse


def _damage(kind: str, source: Path, target: Path) -> Path:
    if kind == "garbage":
        target.write_bytes(b"not a database\n" * 5000)
    else:
        shutil.copy(source, target)
        with target.open("r+b") as handle:
            handle.truncate(target.stat().st_size // 2)
    return target


@pytest.mark.parametrize("kind", ["garbage", "truncated"])
def test_a_damaged_warehouse_says_what_to_do(env, tmp_path: Path, kind: str) -> None:
    from dashboard.app import create_app

    _root, warehouse, _users = env
    broken = _damage(kind, warehouse, tmp_path / "warehouse.duckdb")
    client = create_app(_settings(tmp_path, broken, "none", None)).server.test_client()
    page = client.get("/sla", headers={"Accept": "text/html"})
    assert page.status_code == 503
    assert "pulse build --full-refresh" in page.text and "Traceback" not in page.text
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert page.headers["Retry-After"] == "60" and 'http-equiv="refresh"' in page.text
    routed = client.post("/_dash-update-component", json=_router("/sla"))
    assert routed.status_code < 500 and "pulse build --full-refresh" in routed.text
    export = client.post("/_dash-update-component", json=_sla_export())
    assert export.status_code == 503 and "pulse build --full-refresh" in export.text


def test_a_warehouse_damaged_while_served_says_so_and_recovers_on_rebuild(
    env, tmp_path: Path
) -> None:
    from dashboard.app import create_app

    _root, warehouse, _users = env
    live = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, live)
    client = create_app(_settings(tmp_path, live, "none", None)).server.test_client()
    assert client.post("/_dash-update-component", json=_router("/sla")).status_code == 200
    _damage("garbage", warehouse, tmp_path / "next.duckdb").rename(live)  # a bad publish
    page = client.get("/sla", headers={"Accept": "text/html"})
    assert page.status_code == 503 and "pulse build --full-refresh" in page.text
    shutil.copy(warehouse, tmp_path / "next.duckdb")
    (tmp_path / "next.duckdb").rename(live)  # the rebuild publishes a good file
    assert client.get("/sla").status_code == 200
    routed = client.post("/_dash-update-component", json=_router("/sla"))
    assert routed.status_code == 200 and "sla-heatmap" in routed.text
