"""The 404 page (Dash pages picks up `not_found_404`)."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashboard.components import ctx, shell
from dashboard.i18n import t

dash.register_page(__name__, path="/404", title="Support Pulse · 404")


def layout(lang: str | None = None, **_: Any) -> html.Div:
    c = ctx(lang)
    body = html.Div(
        [
            html.Div("404", className="big-404"),
            html.P(t("notfound.body", c.lang)),
            dcc.Link(t("notfound.home", c.lang), href="/", className="btn", id="home-link"),
        ],
        className="empty",
        id="not-found",
    )
    return shell("", c.lang, None, c.tz, t("notfound.title", c.lang), body)
