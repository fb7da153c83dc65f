"""Who may see what: the one module that owns the dashboard's access rules (DESIGN s8).

Authentication (`dashboard.auth`) decides *who* a request is; this module decides what
that viewer may see, and everything else asks it:

- which pages a role may use (`ROLE_PAGES`), checked on every page GET and on every
  Dash callback POST, whatever the callback (`install_page_gate`);
- which engineers a viewer sees by name (`can_see_engineer`, `visible_engineer_ids`),
  which `dashboard.data` applies where the data is read;
- whether a viewer sees names at all (`sees_names`) and the raw content of rejected
  rows (`may_see_raw_rejects`).

Every rule is an allow-list and fails closed: an unknown role, page, callback or
entity gets nothing. Nothing here falls back to "everything" when something is
missing; the only full-access viewer is the VP, or `LOCAL_VIEWER` when authentication
is configured off (`PULSE_AUTH=none`, meant for 127.0.0.1 only).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ROLES = ("vp", "lead", "engineer", "wall")

log = logging.getLogger("pulse.access")


@dataclass(frozen=True)
class Viewer:
    username: str
    role: str  # vp | lead | engineer | wall
    engineer_id: str | None = None
    team_ids: tuple[str, ...] = ()

    @property
    def sees_everything(self) -> bool:
        return sees_everyone(self)

    @property
    def sees_names(self) -> bool:
        return sees_names(self)


LOCAL_VIEWER = Viewer("local", "vp", None, ())
# Inside the app while authentication is on but no user was established: the least a
# viewer may see (a wall that opens no page: see ROLE_PAGES).
NOBODY = Viewer("anonymous", "nobody", None, ())

VIEWER_KEY = "pulse_viewer"  # flask.g attribute set by the authentication hook
MODE_KEY = "PULSE_AUTH_MODE"  # Flask config key set by dashboard.auth.install_auth


def current_viewer() -> Viewer:
    """The viewer of the current request.

    Outside any Flask app (a script calling the data layer) there is no served
    dashboard and the caller is the local operator: LOCAL_VIEWER. Inside the app the
    mode must have been configured by `install_auth`; a missing mode, or a request
    without an authenticated viewer while authentication is on, is NOBODY.
    """
    import flask

    if not flask.has_app_context():
        return LOCAL_VIEWER
    mode = flask.current_app.config.get(MODE_KEY)
    if mode == "none":
        return LOCAL_VIEWER
    if mode is not None and flask.has_request_context():
        viewer = flask.g.get(VIEWER_KEY)
        if isinstance(viewer, Viewer):
            return viewer
    return NOBODY


# ---------------------------------------------------------------- people and names


def _role(viewer: Any) -> str:
    return str(getattr(viewer, "role", "") or "")


def can_see_engineer(viewer: Any, engineer_id: object, team_id: object) -> bool:
    """May this viewer see this engineer's individual numbers and name?

    `viewer` is a Viewer or anything with the same attributes (role, engineer_id,
    team_ids); ids are compared as text, since marts may type them differently.
    """
    role = _role(viewer)
    if role == "vp":
        return True
    if role == "lead":
        teams = {str(t) for t in (getattr(viewer, "team_ids", None) or ())}
        return team_id is not None and str(team_id) in teams
    if role == "engineer":
        own = getattr(viewer, "engineer_id", None)
        return engineer_id is not None and own is not None and str(engineer_id) == str(own)
    return False


def sees_everyone(viewer: Any) -> bool:
    """Does this viewer see every engineer (so no per-engineer filter applies)?"""
    return _role(viewer) == "vp"


def visible_engineer_ids(viewer: Any, engineers: Iterable[tuple[object, object]]) -> set[str]:
    """Of (engineer_id, team_id) pairs, the engineer ids this viewer may see by name."""
    return {str(e) for e, team in engineers if can_see_engineer(viewer, e, team)}


def sees_names(viewer: Any) -> bool:
    """May this viewer see any person's or customer's name? (Not the wall, nor an
    unknown role.)"""
    return _role(viewer) in ("vp", "lead", "engineer")


def cache_scope(viewer: Any) -> str:
    """The part of a viewer that changes query results, for result-cache keys."""
    teams = ",".join(sorted(str(t) for t in (getattr(viewer, "team_ids", None) or ())))
    return f"{_role(viewer)}|{getattr(viewer, 'engineer_id', None) or ''}|{teams}"


# Entities whose rejected raw rows every role that opens the quality page may read:
# their contract has no person, no contact and no free text. Every other entity,
# including one added to the contract later, is personal (engineers' names and
# e-mails, survey comments, ticket subjects, account names, notes, actor ids): its
# raw rejected rows are shown to the VP only; others see counts and reasons.
NON_PERSONAL_ENTITIES = frozenset({"contracts", "support_costs"})


def may_see_raw_rejects(viewer: Any, entity: object) -> bool:
    """May this viewer read the raw content of a rejected row of `entity`?"""
    if _role(viewer) == "vp":
        return True
    return sees_names(viewer) and str(entity) in NON_PERSONAL_ENTITIES


# ------------------------------------------------------------------------- pages

# Every page of the app, by the name of its module in dashboard/pages.
PAGES = (
    "okr",
    "kr_breakdown",
    "sla",
    "teams",
    "engineer",
    "ticket",
    "customers",
    "revenue",
    "quality",
    "wall",
    "whatif",
    "not_found_404",
)
_EVERY_PAGE = frozenset(PAGES)
# Which pages each role may use. The data layer still filters what a page shows
# (a lead sees other teams folded, an engineer only themself).
ROLE_PAGES: Mapping[str, frozenset[str]] = {
    "vp": _EVERY_PAGE,
    "lead": _EVERY_PAGE,
    # What-if compares a draft policy with the real one: a management tool.
    "engineer": _EVERY_PAGE - {"whatif"},
    "wall": frozenset({"wall"}),
}
# Where a role is sent when it opens a page it may not use (else: 403).
ROLE_HOME = {"wall": "/wall"}
# Callbacks defined outside a page module, and the pages whose layout carries their
# components: the viewer must be allowed one of them.
SHARED_CALLBACK_PAGES: Mapping[str, frozenset[str]] = {
    "dashboard.components.filters": frozenset({"okr", "kr_breakdown", "sla", "teams"}),
}
ROUTER_OUTPUT = "_pages_content"  # the Dash pages router renders the page layouts
ROUTER_MODULE = "dash.dash"


def may_open(viewer: Any, page: str | None) -> bool:
    """May this viewer use this page (its GET, its layout and its callbacks)?"""
    return page is not None and page in ROLE_PAGES.get(_role(viewer), frozenset())


def page_of_path(path: str) -> str:
    """The page a URL path renders: a page module name, `not_found_404` otherwise."""
    from dash._pages import _path_to_page

    page, _vars = _path_to_page(path.strip("/"))
    module = page.get("module") if page else None
    if module is None:
        return "not_found_404"
    name = str(module).rsplit(".", 1)[-1]
    return name if name in _EVERY_PAGE else f"unlisted:{module}"


class Refused(Exception):
    """A request the gate turns away: status and one sentence for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def callback_pages(app: Any, body: object) -> frozenset[str]:
    """The pages a Dash callback request belongs to; Refused when it is malformed or
    names no callback of this app (never run an unknown callback).

    Dash dispatches on `body["output"]` (`app.callback_map[output]`), so the owner is
    read from the same key: the page module that defined the callback function, or
    the shared module's pages. For the pages router the page is the one the request's
    pathname (its first input, positional as Dash passes it) would render.
    """
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        raise Refused(400, "malformed callback request")
    output = body["output"]
    spec = app.callback_map.get(output)
    func = spec.get("callback") if isinstance(spec, dict) else None
    if func is None:
        raise Refused(403, "unknown callback")
    module = getattr(getattr(func, "__wrapped__", func), "__module__", None) or ""
    if module == ROUTER_MODULE and f"{ROUTER_OUTPUT}.children" in output:
        inputs = body.get("inputs")
        first = inputs[0] if isinstance(inputs, list) and inputs else None
        pathname = first.get("value") if isinstance(first, dict) else None
        if not isinstance(pathname, str):
            raise Refused(400, "malformed page request")
        return frozenset({page_of_path(app.strip_relative_path(pathname) or "/")})
    if module in SHARED_CALLBACK_PAGES:
        return SHARED_CALLBACK_PAGES[module]
    if module.startswith("pages."):
        name = module.rsplit(".", 1)[-1]
        if name in _EVERY_PAGE:
            return frozenset({name})
    raise Refused(403, "callback with no owning page")


# Dash routes (under the app's `routes_pathname_prefix`) that serve no page data: the
# renderer, its assets and the layout shell (the app layout is an empty page
# container; page layouts come from the router callback, which is gated). Every other
# GET is treated as a page path.
_NON_PAGE_ROUTES = (
    "assets/<path:filename>",
    "_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
    "_dash-layout",
    "_dash-dependencies",
    "_reload-hash",
    "_favicon.ico",
)
_NON_PAGE_RULES = ("/static/<path:filename>", "/lang/<code>")
CALLBACK_ROUTE = "_dash-update-component"
_READ_METHODS = ("GET", "HEAD", "OPTIONS")


def check_request(app: Any, viewer: Any) -> Any:
    """Refuse, redirect or let through the current request for `viewer` (Flask).

    Callback POSTs are checked against their page; any other request that is not a
    read is refused (Dash has no other writing route, so nothing new slips through);
    reads of the renderer's files pass; every other read is a page path.
    """
    import flask

    prefix = app.config.routes_pathname_prefix or "/"
    rule = flask.request.url_rule.rule if flask.request.url_rule is not None else None
    if rule == prefix + CALLBACK_ROUTE:
        try:
            pages = callback_pages(app, flask.request.get_json(silent=True))
        except Refused as refused:
            log.warning(
                "refused callback for %r (%s): %s",
                getattr(viewer, "username", "?"),
                _role(viewer),
                refused.message,
            )
            return _refusal(refused.status, refused.message)
        if not any(may_open(viewer, p) for p in pages):
            log.warning(
                "refused callback of %s for %r (%s)",
                ",".join(sorted(pages)),
                getattr(viewer, "username", "?"),
                _role(viewer),
            )
            return _refusal(403, "this account may not use this page")
        return None
    if flask.request.method not in _READ_METHODS:
        return _refusal(403, "this request is not accepted")
    if rule in _NON_PAGE_RULES or (
        rule is not None and rule.startswith(prefix) and rule[len(prefix) :] in _NON_PAGE_ROUTES
    ):
        return None
    page = page_of_path(app.strip_relative_path(flask.request.path) or "/")
    if may_open(viewer, page):
        return None
    home = ROLE_HOME.get(_role(viewer))
    if home is not None:
        return flask.redirect(prefix + home.lstrip("/"))
    return _refusal(403, "this account may not use this page")


def _refusal(status: int, message: str) -> Any:
    import flask

    return flask.Response(message + "\n", status=status, mimetype="text/plain")


def install_page_gate(app: Any) -> None:
    """Check page access on every request, after authentication (a dash.Dash app)."""

    @app.server.before_request
    def _gate():
        return check_request(app, current_viewer())
