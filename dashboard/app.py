"""The Dash application: pages from `dashboard/pages`, data from `dashboard.data`.

`create_app(settings)` builds an app for given settings (tests use their own warehouse);
`app` / `server` are the module-level instances `pulse serve` (gunicorn) imports.
"""

from __future__ import annotations

from pathlib import Path

import dash
import flask
from dash import html

from dashboard import data, i18n
from dashboard.components.context import SETTINGS_KEY
from dashboard.page_status import install_page_status
from warehouse.core.settings import Settings, load_settings

PAGES_DIR = Path(__file__).resolve().parent / "pages"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"


def _install_lang_switch(server: flask.Flask) -> None:
    """`/lang/<ru|en>` stores the choice in a cookie and returns to the page it came from."""

    @server.route("/lang/<code>")
    def _set_lang(code: str):
        lang = i18n.norm_lang(code) or i18n.DEFAULT_LANG
        back = flask.request.referrer or "/"
        # Only ever redirect within this site.
        parsed = flask.request.host_url.rstrip("/")
        target = back if back.startswith(parsed) else "/"
        # A `lang` in the query would override the cookie: drop it from the way back.
        if "lang=" in target:
            from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

            parts = urlsplit(target)
            query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "lang"])
            target = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        response = flask.redirect(target)
        response.set_cookie(
            i18n.COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
        return response


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
    data.init_app(server, settings, cache_config)
    _install_lang_switch(server)
    install_page_status(server, settings)
    try:
        from dashboard.auth import install_auth
    except ImportError:  # pragma: no cover - auth ships with the package
        install_auth = None
    if install_auth is not None:
        install_auth(app, settings)
    app.layout = html.Div(dash.page_container, id="app-root")
    return app


app = create_app(load_settings())
server = app.server
