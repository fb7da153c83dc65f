"""Page shell and small widgets. Pure functions of their inputs (no data access)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from dashboard import formatting as fmt
from dashboard import i18n
from dashboard.i18n import t

NAV = (
    ("/", "nav.okr", "okr"),
    ("/sla", "nav.sla", "sla"),
    ("/teams", "nav.teams", "teams"),
    ("/customers", "nav.customers", "customers"),
    ("/revenue", "nav.revenue", "revenue"),
    ("/quality", "nav.quality", "quality"),
    ("/whatif", "nav.whatif", "whatif"),
    ("/wall", "nav.wall", "wall"),
)

STATUS_ICON = {
    "on_track": "✔",
    "at_risk": "⚠",
    "off_track": "✖",
    "no_data": "○",
    "low_n": "○",
    "no_target": "○",
}
OUTCOME_ICON = {"met": "✔", "breached": "✖", "pending": "▶", "paused": "‖"}


def status_pill(status: str | None, lang: str, kind: str = "status") -> html.Span:
    """Colour + icon + words, so colour is never the only signal."""
    status = status or "no_data"
    icons = STATUS_ICON if kind in ("status", "check") else OUTCOME_ICON
    return html.Span(
        [
            html.Span(icons.get(status, "•"), className="pill-icon", **{"aria-hidden": "true"}),
            i18n.label(kind, status, lang),
        ],
        className=f"pill pill-{status}",
    )


def definition_icon(text: str) -> html.Span | str:
    """An ⓘ with the metric definition as its hover text."""
    if not text:
        return ""
    return html.Span("i", title=text, className="definition", tabIndex="0", **{"aria-label": text})


def asof_badge(info: dict[str, Any] | None, lang: str, tz: str) -> html.Div:
    if not info:
        return html.Div()
    when = info.get("as_of") or info.get("built_at")
    zone = i18n.label("tz", tz, lang) if f"tz.{tz}" in i18n.TR else tz.split("/")[-1]
    text = f"{t('asof.label', lang)}: {fmt.datetime_(when, lang, tz)} ({zone})"
    children: list[Any] = [html.Span(text, id="asof-text")]
    if info.get("stale") and info.get("age_minutes") is not None:
        children.append(
            html.Span(
                "⚠ " + t("asof.stale", lang, age=fmt.duration(info["age_minutes"], lang)),
                className="stale",
            )
        )
    return html.Div(
        children, className="asof", title=f"{t('asof.build', lang)} {info.get('build_id')}"
    )


def navbar(active: str, lang: str, info: dict[str, Any] | None, tz: str) -> html.Header:
    links = [
        dcc.Link(
            t(key, lang), href=href, className="nav-link active" if name == active else "nav-link"
        )
        for href, key, name in NAV
    ]
    switch = html.Div(
        [
            html.A(
                "RU",
                href="/lang/ru",
                id="lang-ru",
                className="lang active" if lang == "ru" else "lang",
                title=t("lang.switch", lang),
            ),
            html.A(
                "EN",
                href="/lang/en",
                id="lang-en",
                className="lang active" if lang == "en" else "lang",
                title=t("lang.switch", lang),
            ),
        ],
        className="lang-switch",
    )
    return html.Header(
        [
            dcc.Link(
                [html.Span("◉", className="logo"), t("app.title", lang)],
                href="/",
                className="brand",
            ),
            html.Nav(links, className="nav"),
            asof_badge(info, lang, tz),
            switch,
        ],
        className="topbar",
    )


def shell(
    active: str, lang: str, info: dict[str, Any] | None, tz: str, title: str, children: Any
) -> html.Div:
    """Every page but the wall: navbar, a title and the content."""
    return html.Div(
        [
            navbar(active, lang, info, tz),
            html.Main(
                [html.H1(title, className="page-title"), children], className="content", lang=lang
            ),
        ],
        className=f"page page-{active}",
    )


def empty_state(message: str, kind: str = "empty") -> html.Div:
    icon = {"setup": "🛠", "forbidden": "🔒", "filter": "🔍"}.get(kind, "∅")
    parts: list[Any] = [html.Div(icon, className="empty-icon")]
    # Render `code` spans from back-ticks so commands stand out.
    pieces = message.split("`")
    parts.append(
        html.P([html.Code(p) if i % 2 else p for i, p in enumerate(pieces)], className="empty-text")
    )
    return html.Div(parts, className=f"empty empty-{kind}")


def kpi_tile(
    label: str,
    value: str,
    *,
    sub: Any = None,
    status: str | None = None,
    lang: str = "en",
    definition: str = "",
    href: str | None = None,
    tile_id: str | None = None,
    pill_kind: str = "status",
) -> html.Div:
    body: list[Any] = [
        html.Div([label, " ", definition_icon(definition)], className="kpi-label"),
        html.Div(value, className="kpi-value"),
    ]
    if sub is not None:
        body.append(html.Div(sub, className="kpi-sub"))
    if status:
        body.append(status_pill(status, lang, kind=pill_kind))
    content = dcc.Link(body, href=href, className="kpi-link") if href else html.Div(body)
    kwargs = {"id": tile_id} if tile_id else {}
    return html.Div(content, className=f"kpi kpi-{status or 'plain'}", **kwargs)


def card(
    title: str, children: Any, *, definition: str = "", extra: Any = None, class_name: str = ""
) -> html.Section:
    header = [html.H2([title, " ", definition_icon(definition)])]
    if extra is not None:
        header.append(extra)
    body = list(children) if isinstance(children, (list, tuple)) else [children]
    return html.Section(
        [html.Div(header, className="card-head"), *body], className=f"card {class_name}".strip()
    )


def chart_card(
    title: str,
    graph_id: str,
    figure: Any,
    *,
    definition: str = "",
    above: Sequence[Any] = (),
    below: Sequence[Any] = (),
) -> html.Section:
    """A card around one chart: the title (with its definition icon), then `above`, the
    graph and `below` (a hint or a grid). One place sets how a chart is drawn in a card
    (no mode bar), so every page's charts look and behave alike."""
    graph = dcc.Graph(id=graph_id, figure=figure, config={"displayModeBar": False})
    return card(title, [*above, graph, *below], definition=definition)


def kr_tile(
    kr: dict[str, Any] | None,
    label: str,
    lang: str,
    *,
    definition: str = "",
    tile_id: str | None = None,
    href: str | None = None,
) -> html.Div:
    """A key result as a KPI tile: the mart row's value, target, status and period,
    formatted only, so every page showing this KR shows the OKR page's numbers."""
    if kr is None:
        return kpi_tile(label, fmt.DASH, lang=lang, definition=definition, tile_id=tile_id)
    unit = kr.get("unit")
    parts = [fmt.period(kr.get("period"), lang, bool(kr.get("is_current_period")))]
    if kr.get("target") is not None:
        parts.append(f"{t('okr.target', lang)} {fmt.kr_value(kr['target'], unit, lang)}")
    if kr.get("is_low_n"):
        parts.append("⚠ " + t("okr.low_n", lang))
    return kpi_tile(
        label,
        fmt.kr_value(kr.get("actual"), unit, lang),
        sub=" · ".join(parts),
        status=kr.get("status"),
        lang=lang,
        definition=definition,
        href=href,
        tile_id=tile_id,
    )
