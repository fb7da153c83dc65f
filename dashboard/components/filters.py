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


# Filters whose "all" is a choice, not the default: the OKR quarter defaults to the
# current quarter, so "full year" must stay in the URL to survive a reload or a share.
ALL_IS_A_CHOICE = ("quarter",)


def query_string(values: dict[str, Any]) -> str:
    clean = {
        k: v
        for k, v in values.items()
        if v not in (None, "") and (v != "all" or k in ALL_IS_A_CHOICE)
    }
    return ("?" + urlencode(clean)) if clean else ""


def filter_bar(
    values: dict[str, Any], specs: list[tuple[str, str, list[tuple[str, str]]]], extra: Any = None
) -> html.Div:
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
                        value=values.get(key)
                        if values.get(key) not in (None, "")
                        else options[0][0],
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
    return html.Div(
        [dcc.Location(id=URL_ID, refresh="callback-nav"), *controls], className="filter-bar"
    )


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


def period_specs(years: list[int], lang: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Year and quarter filters ('all' quarters = the whole year), as on the OKR page, so
    an explaining page can be asked for the OKR page's period."""
    from dashboard.i18n import t

    return [
        ("year", t("filter.year", lang), [(str(v), str(v)) for v in sorted(set(years))]),
        (
            "quarter",
            t("filter.quarter", lang),
            [(str(i), f"Q{i}") for i in (1, 2, 3, 4)] + [("all", t("okr.full_year", lang))],
        ),
    ]


def okr_filter_specs(
    options: dict[str, Any], years: list[str], lang: str
) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The OKR page's filters (year, quarter or the full year, tier, region, segment):
    shared with the KR breakdown page, so a drill keeps the same choices in the URL."""
    from dashboard import i18n
    from dashboard.i18n import t

    def dimension(key: str, kind: str, values: list[str]) -> tuple[str, str, list]:
        choices = [(v, i18n.label(kind, v, lang)) for v in values]
        return (key, t(f"filter.{key}", lang), [("all", t("all", lang)), *choices])

    return [
        ("year", t("filter.year", lang), [(v, v) for v in years]),
        (
            "quarter",
            t("filter.quarter", lang),
            [(str(i), t("quarter.n", lang, n=i)) for i in (1, 2, 3, 4)]
            + [("all", t("okr.full_year", lang))],
        ),
        dimension("tier", "tier", options["tiers"]),
        dimension("region", "region", options["regions"]),
        dimension("segment", "segment", options["segments"]),
    ]
