"""HTTP-level protections of the dashboard: security headers on every response, and
redirect targets that can only be local paths (DESIGN s8)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

# Scripts: only this server's files and the app's own inline scripts by hash (Dash's
# renderer bootstrap and clientside callbacks, from `Dash.csp_hashes()`), so an injected
# inline script or `eval` does not run. Verified in headless Chromium on every page:
# dash-ag-grid evaluates its expression strings without `eval`, basic Plotly charts
# need none. Styles keep 'unsafe-inline' (Plotly and the grid inject <style> blocks).
# Everything is served locally (`serve_locally=True`); data: images are the KPI
# sparklines. frame-ancestors defeats click-jacking; object-src, base-uri and
# form-action close the usual injection helpers.
POLICY_WITHOUT_SCRIPTS = (
    "default-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
)
OTHER_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def content_security_policy(app: Any) -> str:
    """The CSP for a dash.Dash app: script-src 'self' plus its inline scripts' hashes."""
    scripts = " ".join(["script-src 'self'", *app.csp_hashes()])
    return "; ".join((POLICY_WITHOUT_SCRIPTS[0], scripts, *POLICY_WITHOUT_SCRIPTS[1:]))


def install_security_headers(app: Any) -> None:
    """Add the CSP and OTHER_HEADERS to every response of a dash.Dash app's server:
    pages, callbacks, assets, redirects and errors (401, 403, 404, 429, 503 and 500).

    The policy is computed per response, because Dash registers some inline scripts
    (the pages router's title callback) only at the first request.
    """

    @app.server.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", content_security_policy(app))
        for name, value in OTHER_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def local_redirect_target(referrer: str | None, host: str, drop: tuple[str, ...] = ()) -> str:
    """Where to send the browser back to: the referrer's path and query when the
    referrer is this very host (scheme http/https, host and port equal, compared
    exactly), else "/". Never another host, never a scheme-relative `//host` path.
    Query parameters named in `drop` are removed."""
    if not referrer:
        return "/"
    try:
        parts = urlsplit(referrer)
        same = (
            parts.scheme in ("http", "https")
            and parts.netloc.lower() == host.lower()
            and not parts.username
            and not parts.password
        )
    except ValueError:  # malformed IPv6 host or port
        return "/"
    if not same:
        return "/"
    # Browsers read `\` as `/`: a path like `//evil` or `/\evil` would leave the site.
    path = "/" + parts.path.lstrip("/\\")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in drop])
    return path + ("?" + query if query else "")
