"""The Dash application: pages from `dashboard/pages`, data from `dashboard.data`.

`create_app(settings)` builds an app for given settings (tests use their own warehouse);
`app` / `server` are the module-level instances `pulse serve` (gunicorn) imports.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import dash
import flask
from dash import html

from dashboard import access, data, i18n
from dashboard.auth import install_auth
from dashboard.components.context import SETTINGS_KEY
from dashboard.page_status import install_page_status
from dashboard.plotly_bundle import install_cartesian_bundle
from dashboard.web_safety import install_security_headers, local_redirect_target
from warehouse.core.settings import Settings, load_settings

PAGES_DIR = Path(__file__).resolve().parent / "pages"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"


def _install_lang_switch(server: flask.Flask) -> None:
    """`/lang/<ru|en>` stores the choice in a cookie and returns to the page it came from."""

    @server.route("/lang/<code>")
    def _set_lang(code: str):
        lang = i18n.norm_lang(code) or i18n.DEFAULT_LANG
        # Back to the page it came from, on this site only; a `lang` in the query
        # would override the cookie, so it is dropped from the way back.
        target = local_redirect_target(flask.request.referrer, flask.request.host, drop=("lang",))
        response = flask.redirect(target)
        response.set_cookie(
            i18n.COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
        return response


_PAGE_RULES = ("/", "/<path:path>")  # Dash's index and catch-all: the pages
RETRY_S = 60  # a damaged warehouse: when the browser should try again


def _install_unreadable_warehouse_answers(server: flask.Flask, settings: Settings) -> None:
    """A damaged published warehouse gets one clear sentence with a 503, never a 500
    with a traceback: on the page itself (its GET checks the file opens) and on any
    callback or export that hits the damage later."""

    def answer(lang: str) -> flask.Response:
        message = i18n.t("empty.broken_warehouse", lang)
        wants_html = flask.request.method == "GET" and flask.request.accept_mimetypes.accept_html
        if wants_html:
            pieces = escape(message).split("`")
            text = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))
            body = (
                # Retries by itself, so a wall TV comes back once a build has fixed it.
                f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
                f'<meta http-equiv="refresh" content="{RETRY_S}">'
                f"<title>Support Pulse</title></head><body><h1>Support Pulse</h1>"
                f"<p>{text}</p></body></html>"
            )
            response = flask.Response(body, 503, mimetype="text/html")
        else:
            response = flask.Response(message + "\n", 503, mimetype="text/plain")
        response.headers["Retry-After"] = str(RETRY_S)
        return response

    @server.errorhandler(data.BrokenWarehouse)
    def _unreadable(exc: data.BrokenWarehouse) -> flask.Response:
        # One line for the operator (the file and DuckDB's reason), no traceback.
        server.logger.warning("published warehouse %s cannot be read: %s", exc, exc.__cause__)
        return answer(i18n.current_lang())

    @server.before_request
    def _page_needs_a_readable_warehouse() -> None:
        rule = flask.request.url_rule.rule if flask.request.url_rule is not None else None
        if flask.request.method == "GET" and rule in _PAGE_RULES:
            data.check_readable(settings)  # BrokenWarehouse -> the 503 above


def _gate_page_layouts() -> None:
    """Make every page's layout refuse viewers the access table does not allow.

    The page gate already answers 403 to a router callback for a forbidden page; this
    keeps the rule where the layout is produced too, so no other way of calling a
    page layout (another router, a future hook) can render it for them.
    """
    for module, page in dash.page_registry.items():
        layout = page.get("layout")
        if callable(layout) and not getattr(layout, "_pulse_gated", False):
            page["layout"] = _gated(module.rsplit(".", 1)[-1], layout)


def _gated(name: str, layout):
    from dashboard.components import ctx, empty_state

    def gated(**kwargs):
        c = ctx(kwargs.get("lang"))
        if not access.may_open(c.viewer, name):
            return empty_state(i18n.t("empty.forbidden", c.lang), kind="forbidden")
        return layout(**kwargs)

    gated._pulse_gated = True  # type: ignore[attr-defined]
    return gated


def create_app(settings: Settings, *, cache_config: dict | None = None) -> dash.Dash:
    server = flask.Flask(__name__)
    server.config[SETTINGS_KEY] = settings
    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        suppress_callback_exceptions=True,
        title="Support Pulse",
        update_title=None,
        serve_locally=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    install_security_headers(app)
    install_cartesian_bundle(server)
    data.init_app(server, settings, cache_config)
    _install_lang_switch(server)
    install_auth(app, settings)
    _install_unreadable_warehouse_answers(server, settings)
    _gate_page_layouts()
    install_page_status(server, settings)
    app.layout = html.Div(dash.page_container, id="app-root")
    return app


def finish_dash_setup(app: dash.Dash) -> None:
    """Run Dash's one-time server setup now, before a worker takes requests.

    Dash does it in a before-request hook on the first request, and marks it done
    before doing it: on a fresh threaded worker, two requests arriving together (a
    browser fetches the page's scripts in parallel) can find the mark set and the
    component scripts not yet registered, and the second answers 500 ("dash is not a
    registered library"), a page that never draws. Seen on the first page load after
    `pulse serve` started. Dash has no public call for it; the method is guarded by its
    own flag, so a later request does nothing more.
    """
    app._setup_server()


app = create_app(load_settings())
server = app.server
