"""HTTP status and language of the page document.

Dash serves one HTML shell for every path and draws the page in the browser, so by
itself an unknown path or an unknown ticket id answers 200 and `<html>` carries no
`lang`. This hook fixes both on the way out: 404 for a path no page matches and for a
`/ticket/<id>`, `/engineer/<id>` or `/okr/kr/<kr_id>` the warehouse does not hold (the
page still draws its "not found" state), and `lang="ru"`/`"en"` from the request's
language so screen readers and hyphenation pick the right one.
"""

from __future__ import annotations

import re

import dash
import flask

from dashboard import data, i18n

_PAGE_RULES = ("/", "/<path:path>")  # Dash's index and catch-all: the pages
_DETAIL = re.compile(r"^/(ticket|engineer)/([^/]+)/?$")
_KEY_RESULT = re.compile(r"^/okr/kr/([^/]+)/?$")


def _known_path(path: str) -> bool:
    for page in dash.page_registry.values():
        if page.get("path") == "/404":
            continue
        template = page.get("path_template")
        if template:
            pattern = "^" + re.sub(r"<[^>]+>", "[^/]+", template) + "/?$"
            if re.match(pattern, path):
                return True
        elif path.rstrip("/") == page["path"].rstrip("/") or path == page["path"]:
            return True
    return False


def page_status(path: str, settings: object) -> int:
    """200 for a page that exists, 404 otherwise (a missing warehouse is not a 404)."""
    if not _known_path(path):
        return 404
    detail = _DETAIL.match(path)
    key_result = _KEY_RESULT.match(path)
    if detail or key_result:
        try:
            if detail and not data.entity_exists(settings, detail.group(1), detail.group(2)):
                return 404
            if key_result and not data.kr_known(settings, key_result.group(1)):
                return 404
        except (data.NoWarehouse, data.MissingMart):
            return 200  # the page says what to do
    return 200


def install_page_status(server: flask.Flask, settings: object) -> None:
    @server.after_request
    def _status_and_lang(response: flask.Response) -> flask.Response:
        rule = flask.request.url_rule.rule if flask.request.url_rule is not None else None
        if (
            flask.request.method != "GET"
            or rule not in _PAGE_RULES
            or response.status_code != 200
            or response.mimetype != "text/html"
        ):
            return response
        lang = i18n.current_lang(flask.request.args.get("lang"))
        body = response.get_data(as_text=True)
        response.set_data(body.replace("<html>", f'<html lang="{lang}">', 1))
        response.status_code = page_status(flask.request.path, settings)
        return response
