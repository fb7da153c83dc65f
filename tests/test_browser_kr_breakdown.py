"""The KR breakdown page and the drills that carry the view (issue 13, items 8 and 9),
in headless Chromium.

A KR card on the OKR page opens that KR's breakdown by tier, segment, region, team and
month for the same period and filters; grid links to tickets say which page they were
opened from. Expected values are read from the warehouse the pipeline built, with the
rule written out in SQL here (never the dashboard's code).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import requests

from tests import test_browser_dashboard as shared

site, browser, page, ready = shared.site, shared.browser, shared.page, shared.ready

pytestmark = pytest.mark.browser


def _rows(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def test_the_kr_card_opens_its_breakdown_for_the_same_filters(site, page):
    base, warehouse = site
    # CSAT by tier within enterprise accounts: satisfied / responses per tier, the
    # responses of enterprise accounts of Q1 2025 (by response month).
    expected = _rows(
        warehouse,
        "select r.support_tier, 100.0 * sum(case when is_satisfied then 1 else 0 end) "
        "/ count(*) from main.fct_csat_responses r "
        "join main.dim_account a using (account_id) "
        "where a.segment = 'enterprise' and r.support_tier is not null "
        "and r.responded_at >= timestamp '2025-01-01' - interval 3 hour "
        "and r.responded_at < timestamp '2025-04-01' - interval 3 hour "
        "group by r.support_tier order by r.support_tier",
    )
    assert expected, "the small extract has enterprise CSAT responses in Q1 2025"
    page.goto(base + "/?year=2025&quarter=1&segment=enterprise&lang=en")
    ready(page)
    card = page.locator("#kr-csat")
    box = card.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.55)
    page.wait_for_url(re.compile(r"/okr/kr/csat\?year=2025&quarter=1&segment=enterprise$"))
    ready(page)
    page.wait_for_selector("#krb-tier tbody tr")
    shown = {
        r.get_attribute("data-value"): r.locator("td").nth(1).inner_text()
        for r in page.locator("#krb-tier tbody tr").all()
    }
    assert shown == {tier: _pct(value) for tier, value in expected}
    assert page.locator("#krb-segment tr.is-current").get_attribute("data-value") == "enterprise"
    months = [r.get_attribute("data-value") for r in page.locator("#krb-month tbody tr").all()]
    assert months == ["2025-01", "2025-02", "2025-03"]
    # No team rows within a segment (a team is not split by segment): said, not blank.
    assert "not split by customer segment" in page.inner_text(".krb-team")
    assert page.get_attribute("#krb-back", "href") == "/?year=2025&quarter=1&segment=enterprise"
    # The page is its URL: a reload shows the same filters.
    page.reload()
    ready(page)
    picked = page.inner_text("label.filter:has(.filter-label:text-is('Segment')) button")
    assert picked.strip() == "Enterprise"
    assert not page.errors, page.errors[:3]


def test_the_breakdown_speaks_russian_and_greys_low_n_rows(site, page):
    base, warehouse = site
    low = _rows(
        warehouse,
        "select dim_region from main.fct_okr_progress where kr_id = 'csat' "
        "and period = '2025-Q1' and dim_tier = 'premium' and dim_segment = 'enterprise' "
        "and dim_region != 'all' and denominator < 30 order by dim_region",
    )
    assert low, "premium enterprise accounts of some region gave under 30 CSAT responses"
    page.goto(base + "/okr/kr/csat?year=2025&quarter=1&tier=premium&segment=enterprise&lang=ru")
    ready(page)
    page.wait_for_selector("#krb-tier")
    text = page.inner_text("#krb-content")
    for heading in ("По уровням поддержки", "По сегментам", "По регионам", "По месяцам"):
        assert heading in text
    assert "Премиум" in text and "Premium" not in text
    back = "/?year=2025&quarter=1&tier=premium&segment=enterprise"
    assert page.get_attribute("#krb-back", "href") == back
    greyed = [r.get_attribute("data-value") for r in page.locator("#krb-region tr.is-low-n").all()]
    assert greyed == [r[0] for r in low]
    for region in greyed:
        row = page.locator(f"#krb-region tr[data-value='{region}']")
        assert "Мало ответов" in row.inner_text()


def test_an_unknown_key_result_answers_404_with_the_page(site, page):
    base, _ = site
    assert requests.get(base + "/okr/kr/no_such_kr", timeout=30).status_code == 404
    assert requests.get(base + "/okr/kr/csat?year=2025", timeout=30).status_code == 200
    page.goto(base + "/okr/kr/no_such_kr?lang=en")
    ready(page)
    assert "There is no key result “no_such_kr”" in page.inner_text("#krb-content")


def test_grid_ticket_links_say_where_they_were_opened_from(site, page):
    base, warehouse = site
    engineer = _rows(
        warehouse,
        "select solver_id from main.fct_tickets where solver_id is not null "
        "group by solver_id order by count(*) desc limit 1",
    )[0][0]
    page.goto(base + f"/engineer/{engineer}?lang=en")
    ready(page)
    link = page.locator(".ag-cell a[href^='/ticket/']").first
    link.wait_for(timeout=15_000)
    assert link.get_attribute("href").endswith("?from=engineer")
    link.click()
    page.wait_for_url(re.compile(r"/ticket/[^?]+\?from=engineer$"), timeout=15_000)
    ready(page)
    assert page.inner_text(".nav-link.active") == "Teams"
    assert not page.errors, page.errors[:3]


def test_axe_finds_nothing_serious_on_the_breakdown(site, browser):
    """The new page joins the rule of item 16: no serious or critical axe finding."""
    from axe_playwright_python.sync_playwright import Axe

    base, _ = site
    axe = Axe()
    found = {}
    for lang in ("en", "ru"):
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        pg = context.new_page()
        pg.goto(f"{base}/okr/kr/csat?year=2025&quarter=1&lang={lang}")
        ready(pg)
        result = axe.run(pg).response
        found[lang] = [
            f"{v['id']} ({v['impact']}, {len(v['nodes'])})"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        context.close()
    assert found == {"en": [], "ru": []}
