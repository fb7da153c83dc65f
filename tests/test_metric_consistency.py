"""One number per metric: every page that shows a metric shows the same value, target,
status and period for the same filters (issue 12).

Two levels, both on the real small build: the data-access functions each page calls
return the same row, and the rendered pages print the same text for it (so a page that
computed its own number or applied its own status rule would fail here).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from conftest import PipelineRun

from dashboard import data, i18n
from dashboard import formatting as fmt

YEAR, QUARTER = 2025, 2  # the small build's as-of quarter (as_of 2025-05-15)
SLA_RANGE = {"start": "2025-04-16", "end": "2025-05-15"}  # ends in 2025-Q2
LANG = "en"


@pytest.fixture(scope="module")
def app(built_warehouse: PipelineRun):
    from dashboard.app import create_app

    return create_app(built_warehouse.settings)


@pytest.fixture(scope="module")
def wh(built_warehouse: PipelineRun):
    return built_warehouse.settings


VP = data.Scope("vp", None, ())


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from _walk(child)
    elif children is not None:
        yield from _walk(children)


def _text(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, (int, float)):
        return str(node)
    children = getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        return " ".join(_text(c) for c in children)
    return "" if children is None else _text(children)


def _render(app, module: str, **params: Any) -> Any:
    """A page's layout as the server builds it for a VP request (the page as the app
    registered it: importing the module a second time would register it twice)."""
    import dash

    (layout,) = [
        p["layout"] for p in dash.page_registry.values() if p["module"].split(".")[-1] == module
    ]
    with app.server.test_request_context("/"):
        return layout(lang=LANG, **params)


def _by_id(tree: Any, element_id: str) -> Any:
    found = [n for n in _walk(tree) if getattr(n, "id", None) == element_id]
    assert len(found) == 1, f"{element_id}: {len(found)} elements"
    return found[0]


def _okr(wh, tier: str | None = None) -> dict[str, dict[str, Any]]:
    """What the OKR page calls for the period and filters."""
    return {k["kr_id"]: k for k in data.okr_progress(wh, VP, YEAR, QUARTER, tier)["krs"]}


def _same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> None:
    assert a is not None and b is not None
    for key in ("kr_id", "period", "actual", "target", "status", "unit"):
        assert a[key] == b[key], key


# KR -> (page module, tile id on that page, how that page asks for it)
PAGES = {
    "first_response_sla": ("sla", "kpi-fr"),
    "resolution_sla": ("sla", "kpi-res"),
    "customer_retention": ("customers", "kpi-retention"),
    "net_expansion": ("customers", "kpi-nrr"),
    "csat": ("customers", "kpi-csat"),
    "nps": ("customers", "kpi-nps"),
    "attributed_revenue": ("revenue", "kpi-revenue"),
    "cost_per_ticket": ("revenue", "kpi-cost"),
    "automation_share": ("revenue", "kpi-automation"),
}


def _page_call(wh, kr_id: str, tier: str | None) -> dict[str, Any] | None:
    """The data call the explaining page makes for this KR (see each page's layout)."""
    page = PAGES[kr_id][0]
    if page == "sla":  # the OKR period of the chosen range
        metric = {"first_response_sla": "first_response", "resolution_sla": "resolution"}
        start, end = (date.fromisoformat(SLA_RANGE[k]) for k in ("start", "end"))
        year, quarter = data.sla_kr_period(start, end)
        return data.key_result(wh, VP, data.SLA_KEY_RESULTS[metric[kr_id]], year, quarter, tier)
    year, quarter = data.resolve_quarter(wh, VP, str(YEAR), str(QUARTER))
    return data.key_result(wh, VP, kr_id, year, quarter, tier)


@pytest.mark.parametrize("kr_id", sorted(PAGES))
def test_the_explaining_page_reads_the_okr_pages_row(wh, kr_id: str) -> None:
    _same(_okr(wh)[kr_id], _page_call(wh, kr_id, None))


@pytest.mark.parametrize("tier", ["premium", "professional", "standard"])
@pytest.mark.parametrize(
    "kr_id", ["first_response_sla", "resolution_sla", "csat", "nps", "customer_retention"]
)
def test_a_tier_filter_reads_one_row_on_both_pages(wh, kr_id: str, tier: str) -> None:
    okr = _okr(wh, tier)[kr_id]
    assert not okr["unfiltered"]  # these KRs break down by tier
    _same(okr, _page_call(wh, kr_id, tier))


def _tile_parts(kr: dict[str, Any]) -> list[str]:
    """What a tile must print for a KR: value, target, status words, period."""
    parts = [
        fmt.kr_value(kr["actual"], kr["unit"], LANG),
        i18n.label("status", kr["status"], LANG),
        fmt.period(kr["period"], LANG, kr["is_current_period"]),
    ]
    if kr["target"] is not None:
        parts.append(fmt.kr_value(kr["target"], kr["unit"], LANG))
    return parts


@pytest.mark.parametrize("kr_id", sorted(PAGES))
def test_the_rendered_tiles_print_the_okr_cards_numbers(app, wh, kr_id: str) -> None:
    kr = _okr(wh)[kr_id]
    okr_card = _text(
        _by_id(_render(app, "okr", year=str(YEAR), quarter=str(QUARTER)), f"kr-{kr_id}")
    )
    page, tile_id = PAGES[kr_id]
    params = SLA_RANGE if page == "sla" else {"year": str(YEAR), "quarter": str(QUARTER)}
    tile = _text(_by_id(_render(app, page, **params), tile_id))
    for part in _tile_parts(kr):
        assert part in tile, (kr_id, part, tile)
    for part in _tile_parts(kr)[:2]:  # the OKR card: value and status
        assert part in okr_card, (kr_id, part, okr_card)


def test_premium_sla_target_is_the_same_on_both_pages(app, wh) -> None:
    """Issue 12: /sla showed premium's target 98.5 % while the OKR page showed 98.0 %."""
    kr = _okr(wh, "premium")["first_response_sla"]
    tile = _text(_by_id(_render(app, "sla", tier="premium", **SLA_RANGE), "kpi-fr"))
    okr_card = _text(
        _by_id(
            _render(app, "okr", year=str(YEAR), quarter=str(QUARTER), tier="premium"),
            "kr-first_response_sla",
        )
    )
    target = fmt.kr_value(kr["target"], kr["unit"], LANG)
    assert target in tile and target in okr_card
