"""HTTP-level protections of the dashboard: security headers on every response, and
redirect targets that can only be local paths (DESIGN s8)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

# Dash's index page boots the renderer from an inline <script>, and dash-ag-grid /
# AG Grid compile the grid's expression strings (cellClassRules, valueFormatter
# functions) with `new Function`, so scripts need 'unsafe-inline' and 'unsafe-eval'.
# Everything is served locally (`serve_locally=True`), so every source is 'self';
# data: images are the KPI sparklines. frame-ancestors is the part that defeats
# click-jacking; form-action/base-uri/object-src close the usual injection helpers.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def install_security_headers(server: Any) -> None:
    """Add SECURITY_HEADERS to every response of the Flask server: pages, callbacks,
    assets, redirects and errors (401, 403, 404, 429, 503 and 500 alike)."""

    @server.after_request
    def _security_headers(response):
        for name, value in SECURITY_HEADERS.items():
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
