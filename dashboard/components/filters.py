"""Filter bars whose state lives in the URL query string.

A change in any filter rewrites `?year=..&tier=..` through a `dcc.Location` with
`refresh="callback-nav"`: Dash pages then renders the page's `layout(**query)` again,
so the URL always reproduces the view and a copied link opens the same numbers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dash import ALL, Input, Output, State, callback, dcc, html, no_update

URL_ID = "flt-url"


def query_string(values: dict[str, Any]) -> str:
    clean = {k: v for k, v in values.items() if v not in (None, "", "all")}
    return ("?" + urlencode(clean)) if clean else ""


def filter_bar(values: dict[str, Any], specs: list[tuple[str, str, list[tuple[str, str]]]],
               extra: Any = None) -> html.Div:
    """specs: [(key, label, [(value, text), ...])]; values: the current query values."""
    controls = []
    for key, label, options in specs:
        controls.append(
            html.Label(
                [
                    html.Span(label, className="filter-label"),
                    dcc.Dropdown(
                        id={"type": "flt", "key": key},
                        options=[{"value": v, "label": text} for v, text in options],
                        value=values.get(key) if values.get(key) not in (None, "") else options[0][0],
                        clearable=False,
                        searchable=False,
                        className="filter-dropdown",
                    ),
                ],
                className="filter",
            )
        )
    if extra is not None:
        controls.append(extra)
    return html.Div([dcc.Location(id=URL_ID, refresh="callback-nav"), *controls],
                    className="filter-bar")


@callback(
    Output(URL_ID, "search"),
    Input({"type": "flt", "key": ALL}, "value"),
    State({"type": "flt", "key": ALL}, "id"),
    State(URL_ID, "search"),
    prevent_initial_call=True,
)
def _filters_to_url(values: list[Any], ids: list[dict[str, str]], current: str | None) -> Any:
    from urllib.parse import parse_qsl

    kept = dict(parse_qsl((current or "").lstrip("?")))
    for ident, value in zip(ids, values, strict=False):
        kept[ident["key"]] = value
    search = query_string(kept)
    if search == (current or ""):
        return no_update
    return search
