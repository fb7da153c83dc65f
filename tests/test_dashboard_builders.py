"""Pure builders of the dashboard: formatting, translations, figures, CSV, periods."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import polars as pl
import pytest

from dashboard import figures, i18n
from dashboard import formatting as fmt
from dashboard.components.grid import csv_text, grid, neutralise

NBSP = "\u00a0"


# ----------------------------------------------------------------------------- formatting


def test_numbers_per_locale() -> None:
    assert fmt.number(1234.5, "ru", 1) == f"1{NBSP}234,5"
    assert fmt.number(1234.5, "en", 1) == "1,234.5"
    assert fmt.number(None, "ru") == "—"
    assert fmt.percent(0.9734, "ru") == f"97,3{NBSP}%"
    assert fmt.percent(0.9734, "en") == "97.3%"


def test_money_per_locale() -> None:
    assert fmt.money(1234, "en") == "$1,234"
    assert fmt.money(1234, "ru") == f"1{NBSP}234{NBSP}$"
    assert fmt.money(-5, "en", "RUB") == "-₽5"
    assert fmt.compact_money(1_250_000, "en") == "$1.25M"
    assert fmt.compact_money(1_250_000, "ru") == f"1,25{NBSP}млн{NBSP}$"


def test_dates_in_moscow_time() -> None:
    # 21:30 UTC on 22 Nov is 00:30 on 23 Nov in Moscow (UTC+3).
    moment = datetime(2026, 11, 22, 21, 30)
    assert fmt.date_(moment, "ru", "Europe/Moscow") == "23.11.2026"
    assert fmt.date_(moment, "en", "Europe/Moscow") == "2026-11-23"
    assert fmt.datetime_(moment, "ru", "Europe/Moscow") == "23.11.2026 00:30"
    aware = datetime(2026, 11, 22, 21, 30, tzinfo=UTC)
    assert fmt.datetime_(aware, "en", "Europe/Moscow") == "2026-11-23 00:30"
    assert fmt.date_(date(2026, 1, 2), "ru") == "02.01.2026"


def test_durations() -> None:
    assert fmt.duration(125, "en") == f"2{NBSP}h 05{NBSP}m"
    assert fmt.duration(125, "ru") == f"2{NBSP}ч 05{NBSP}мин"
    assert fmt.duration(3 * 1440 + 60, "en") == f"3{NBSP}d 1{NBSP}h"
    assert fmt.duration(-30, "en") == f"-30{NBSP}m"


def test_business_clock_durations_count_nine_hour_days() -> None:
    # standard / low resolution: 5 business days = 5 x 540 minutes
    assert fmt.clock_duration(2700, "business", "ru") == f"5{NBSP}раб.{NBSP}дн."
    assert fmt.clock_duration(2700, "business", "en") == f"5{NBSP}business{NBSP}days"
    # 1 business day and 3 h 10 m into the next
    assert fmt.clock_duration(540 + 190, "business", "en") == (
        f"1{NBSP}business{NBSP}day 3{NBSP}h 10{NBSP}m"
    )
    assert (
        fmt.clock_duration(-600, "business", "en")
        == f"-1{NBSP}business{NBSP}day 1{NBSP}h 00{NBSP}m"
    )
    # under a day, and calendar clocks, read as before
    assert fmt.clock_duration(480, "business", "en") == f"8{NBSP}h 00{NBSP}m"
    assert fmt.clock_duration(2700, "calendar", "en") == f"1{NBSP}d 21{NBSP}h"


# ----------------------------------------------------------------------------- i18n


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("en-US,en;q=0.9,ru;q=0.5", "en"),
        ("de-DE,ru;q=0.7", "ru"),
        ("de-DE,fr;q=0.8", "en"),
        (None, "en"),
        ("", "en"),
        ("en;q=0.2,ru;q=0.8", "ru"),
        ("ru;q=bogus,en", "en"),
    ],
)
def test_language_from_browser(header: str | None, lang: str) -> None:
    assert i18n.from_accept_language(header) == lang


def test_every_string_has_both_languages() -> None:
    for key, (ru, en) in {**i18n.TR, **i18n.DEFINITIONS}.items():
        assert ru.strip() and en.strip(), key
        # Placeholders must match so a format never fails in one language only.
        import string

        fields = lambda s: {f for _l, f, _s, _c in string.Formatter().parse(s) if f}  # noqa: E731
        assert fields(ru) == fields(en), key


def test_translate_and_labels() -> None:
    assert i18n.t("okr.elapsed", "en", pct="50%") == "50% of the quarter elapsed"
    assert i18n.label("tier", "premium", "ru") == "Премиум"
    assert i18n.label("tier", "mystery", "ru") == "mystery"
    assert i18n.t("no.such.key", "en") == "no.such.key"
    assert i18n.definition("csat", "en").startswith("Share")
    combined = i18n.definition("csat", "ru", {"csat": "dbt fct_x.is_satisfied: From dbt"})
    assert combined.startswith("Доля") and combined.endswith("From dbt")


# ----------------------------------------------------------------------------- CSV


def test_csv_neutralises_formulas() -> None:
    assert neutralise("=SUM(A1)") == "'=SUM(A1)"
    for text in ("+1", "-2", "@x", "\tcmd"):
        assert neutralise(text).startswith("'")
    assert neutralise("plain") == "plain"
    assert neutralise(-5) == -5  # numbers stay numbers
    out = csv_text(
        [{"a": '=HYPERLINK("http://x")', "b": 3}, {"a": "ok", "b": None}],
        [("a", "Name"), ("b", "@count")],
    )
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["Name", "'@count"]
    assert rows[1][0].startswith("'=")
    assert rows[2] == ["ok", ""]


# ----------------------------------------------------------------------------- periods


def test_period_labels_name_the_period() -> None:
    assert fmt.period("2026-Q4", "en") == "Q4 2026"
    assert fmt.period("2026-11", "en") == "Nov 2026"
    assert fmt.period("2026-11", "ru") == "ноя 2026"
    assert fmt.period("last_4_weeks", "en") == "last 4 full weeks"
    assert fmt.period("2026-Q4", "en", partial=True) == "Q4 2026 (to date)"
    assert fmt.period("2026", "en") == "2026"
    assert fmt.period("2025-W07", "en") == "W07 2025"


# ----------------------------------------------------------------------------- figures


def _json(fig: dict) -> str:
    return json.dumps(fig, default=str)


def test_heatmap_carries_drill_keys() -> None:
    matrix = pl.DataFrame(
        {
            "support_tier": ["premium", "premium", "standard"],
            "priority": ["high", "low", "high"],
            "metric": ["first_response", "first_response", "resolution"],
            "met": [97, 40, 10],
            "breached": [3, 10, 0],
            "compliance": [0.97, 0.8, 1.0],
        }
    )
    fig = figures.sla_heatmap(matrix, "en")
    trace = fig["data"][0]
    assert trace["type"] == "heatmap"
    assert trace["customdata"][0][0] == ["premium", "high", "first_response"]
    assert trace["z"][0][0] == pytest.approx(97.0)
    assert "Premium · First response" in trace["y"]
    _json(fig)


def test_distribution_marks_the_target_line() -> None:
    hist = pl.DataFrame(
        {
            "bucket": [0, 90, 100, 300],
            "n": [5, 3, 2, 1],
            "breached": [0, 0, 2, 1],
            "median_minutes": [1.0, 2.0, 3.0, 4.0],
        }
    )
    fig = figures.distribution(hist, "resolution", "ru")
    shapes = fig["layout"]["shapes"]
    assert shapes[0]["x0"] == 100 and shapes[0]["type"] == "line"
    colours = fig["data"][0]["marker"]["color"]
    assert colours[1] == figures.GOOD and colours[2] == figures.BAD
    assert fig["data"][0]["customdata"][2] == [100]


def test_sparkline_places_values_and_target_and_breaks_on_gaps() -> None:
    # three months, values 70, (none), 80, target 75 then 80: the scale runs 70..80 over
    # y 6..84 (90 px less 6 px padding), x 6..234 in two equal steps
    svg = figures.sparkline_svg([70.0, None, 80.0], [75.0, 75.0, 80.0])
    assert svg.startswith("<svg") and 'viewBox="0 0 240 90"' in svg
    assert '<circle cx="6.0" cy="84.0"' in svg  # 70 at the bottom left
    assert '<circle cx="234.0" cy="6.0"' in svg  # 80 at the top right
    assert "<polyline" not in svg  # the missing month breaks the line: two lone dots
    # the target steps: flat at 75 (y 45) to the middle month, then up to 80 at the end
    assert 'd="M6.0 45.0 H120.0 V45.0 H234.0 V6.0"' in svg
    joined = figures.sparkline_svg([70.0, 80.0], [None, None])
    assert '<polyline points="6.0,84.0 234.0,6.0"' in joined and "<path" not in joined
    assert figures.sparkline_svg([], []) == ""


def test_empty_states() -> None:
    empty = figures.sla_trend(
        pl.DataFrame({"day": [], "support_tier": [], "compliance": []}), {}, "en"
    )
    assert empty["layout"]["annotations"][0]["text"] == i18n.t("empty.nodata", "en")


def test_nps_low_n_is_not_colour_only() -> None:
    df = pl.DataFrame(
        {
            "wave": ["2025-Q1", "2025-Q1"],
            "grp": ["premium", "standard"],
            "n": [12, 80],
            "promoters": [6, 40],
            "detractors": [2, 10],
            "nps": [33.3, 37.5],
            "low_n": [True, False],
        }
    )
    fig = figures.nps_chart(df, "en")
    texts = [t["text"][0] for t in fig["data"]]
    assert texts[0].endswith("n=12") and " *" in texts[0]
    assert fig["data"][0]["marker"]["pattern"]["shape"] == ["/"]


def test_money_and_share_charts_serialise() -> None:
    # The year-to-date line is the KR's month rows as they are (the mart accumulates).
    months = pl.DataFrame(
        {
            "month": ["2025-01", "2025-02", "2025-03"],
            "ytd": [1000.0, 3500.0, None],
            "target": [40000.0, 80000.0, 120000.0],
        }
    )
    fig = figures.revenue_cumulative(months, "en")
    assert fig["data"][0]["y"] == [1000.0, 3500.0, None]
    assert fig["data"][1]["y"] == [40000.0, 80000.0, 120000.0]
    cost = pl.DataFrame(
        {"month": ["2025-01"], "cost_per_ticket_usd": [47.5], "cost_per_ticket_rub": [4300.0]}
    )
    _json(figures.cost_chart(cost, 50.0, "ru"))
    _json(figures.share_line(["2025-01"], [0.3], 0.3, "x", "en"))


# ----------------------------------------------------------------------------- ticket page


def _text(component: object) -> str:
    """The visible text of a Dash component tree."""
    if isinstance(component, str | int | float):
        return str(component)
    children = getattr(component, "children", None)
    if children is None:
        return ""
    if not isinstance(children, list | tuple):
        children = [children]
    return "".join(_text(c) for c in children)


def test_ticket_timeline_has_every_event_of_the_event_mart() -> None:
    """Seven events as fct_ticket_events publishes them (escalation, reassignment and
    comments included) give seven timeline entries with actor, visibility and clock."""
    from dashboard.components.ticket_view import timeline

    at = [datetime(2025, 3, 3, 8, m) for m in range(7)]
    events = pl.DataFrame(
        {
            "event_at": at,
            "event_type": [
                "created",
                "assigned",
                "comment",
                "status_changed",
                "group_changed",
                "assigned",
                "comment",
            ],
            "actor_role": ["customer", "system", "agent", "agent", "agent", "system", "agent"],
            "actor_name": [None, None, "Анна", "Анна", "Анна", None, "Борис"],
            "is_public": [None, None, True, None, None, None, False],
            "from_value": [None, None, None, "new", "tier1", "Анна", None],
            "to_value": [None, "Анна", None, "pending", "tier2", "Борис", None],
            "clock_state": ["running"] * 3 + ["paused"] * 2 + ["running"] * 2,
        }
    )
    detail = {"events": events, "ticket": {"first_response_at": at[2]}}
    items = [_text(li) for li in timeline(detail, "en", "Europe/Moscow")]
    assert len(items) == 7
    assert "Comment (first response) · agent Анна · public" in items[2]
    assert "Status changed: new → pending" in items[3]
    assert "‖ resolution clock paused" in items[3]
    assert "Group changed: Tier 1 → Tier 2" in items[4]
    assert "Assigned: Анна → Борис · system" in items[5]
    assert items[6].endswith("· internal · ▶ resolution clock running")


def test_a_paused_clock_past_its_target_is_frozen_not_ticking() -> None:
    """A resolution clock waiting on the customer since it ran 2 h over its 8 h target:
    no due time to tick from, 'paused, overdue by 2 h 00 m'; once solved it reads its
    outcome with elapsed / target."""
    from dashboard.components.ticket_view import clock_state, clock_store

    due = datetime(2025, 3, 3, 16, 0)
    paused = {
        "metric": "resolution",
        "clock": "calendar",
        "target_minutes": 480,
        "elapsed_minutes": 600.0,
        "due_at": due,
        "completed_at": None,
        "outcome": "breached",
        "is_paused": True,
    }
    item = clock_store([paused], "en")["items"][0]
    assert item == {"due": None, "running": False, "static": "‖ Paused, overdue by 2\xa0h 00\xa0m"}
    assert clock_state(paused) == "breached"
    solved = {**paused, "completed_at": datetime(2025, 3, 3, 18, 0)}
    assert clock_state(solved) == "breached"
    assert clock_store([solved], "en")["items"][0]["static"] == "10\xa0h 00\xa0m / 8\xa0h 00\xa0m"
    running = {**paused, "is_paused": False, "elapsed_minutes": 100.0, "outcome": "pending"}
    assert clock_store([running], "en")["items"][0]["due"] == due.replace(tzinfo=UTC).isoformat()


def test_the_page_language_wins_over_cookie_and_browser_for_the_whole_request() -> None:
    """`?lang=` of the page (directly, or in the page URL a callback comes from) beats the
    cookie and Accept-Language, and stays the request's language once chosen."""
    import flask

    from dashboard import i18n

    app = flask.Flask(__name__)
    english = {"Cookie": f"{i18n.COOKIE}=en", "Accept-Language": "en-US"}
    with app.test_request_context(
        "/_dash-update-component",
        headers={**english, "Referer": "http://127.0.0.1/teams?lang=ru&tier=premium"},
    ):
        assert i18n.current_lang() == "ru"
    with app.test_request_context("/_dash-update-component", headers=english):
        assert i18n.current_lang() == "en"
        assert i18n.current_lang("ru") == "ru"
        assert i18n.current_lang() == "ru"  # the page chose Russian for this request
    with app.test_request_context("/teams?lang=ru", headers=english):
        assert i18n.current_lang() == "ru"


def test_engineer_fcr_hover_says_first_contact_not_the_org_definition() -> None:
    """The teams and engineer pages explain the engineer's FCR as dbt computes it."""
    from dashboard import i18n
    from dashboard.components.metrics import DEFINITION_KEY

    english = i18n.definition(DEFINITION_KEY["fcr"], "en")
    assert "first contact" in english and "at most one public reply" in english
    assert "первого контакта" in i18n.definition(DEFINITION_KEY["fcr"], "ru")


def test_competitor_chart_names_competitors_in_the_readers_language():
    """The chart's categories read as the deals grid beside it does, not as codes
    ("none", "mts"); a code without a translation stays as data."""
    df = pl.DataFrame(
        {
            "competitor": ["none", "mts", "acme<b>"],
            "win_rate": [0.5, 0.25, 1.0],
            "poc_conversion": [0.4, None, 0.0],
        }
    )
    ru = figures.competitor_chart(df, "ru")
    assert ru["data"][0]["x"] == ["без конкурента", "MWS (МТС)", "acme&lt;b&gt;"]
    assert ru["data"][1]["x"] == ru["data"][0]["x"]
    en = figures.competitor_chart(df, "en")
    assert en["data"][0]["x"] == ["no competitor", "MWS (MTS)", "acme&lt;b&gt;"]


def test_quality_batch_status_reads_in_the_readers_language():
    """A batch's status is a word of the page's language ("загружен", not "loaded"),
    while the failed-batch colour still keys on the status code."""
    import sys

    import dashboard.app  # noqa: F401  (Dash imports the page modules as `pages.*`)

    batch_rows = sys.modules["pages.quality"].batch_rows

    df = pl.DataFrame(
        {
            "entity": ["tickets", "tickets"],
            "file_name": ["a.csv", "b.csv"],
            "rows_read": [3, 2],
            "rows_landed": [3, 0],
            "rows_rejected": [0, 0],
            "is_reconciled": [True, False],
            "status": ["loaded", "failed"],
            "error": [None, "bad header"],
            "loaded_at": [datetime(2026, 1, 5, 9, 0, tzinfo=UTC)] * 2,
        }
    )
    ru = batch_rows(df, "ru", "Europe/Moscow")
    assert [r["status"] for r in ru] == ["загружен", "ошибка"]
    assert [r["status_code"] for r in ru] == ["loaded", "failed"]
    assert [r["status"] for r in batch_rows(df, "en", "Europe/Moscow")] == ["loaded", "failed"]


def _grid_table(component):
    """The AgGrid inside the component `grid()` returns."""
    return component.children[1]


def test_grid_columns_are_never_squeezed_below_their_content() -> None:
    """Fitting a grid to a half-width card cut "Vistula Digi…" and wrapped the header
    "Зачтено, $" mid-word; each column now has a floor from its content (worked out from
    the widths in components/grid.py) and the grid scrolls sideways past it."""
    rows = [
        {"account": "Vistula Digital Ltd", "credited": 118165.3456, "type": "upsell"},
        {"account": "ОрбитаЛаб", "credited": 82262.5, "type": None},
    ]
    cols = [
        {"field": "account", "headerName": "Клиент"},
        {"field": "credited", "headerName": "Зачтено, $"},
        {"field": "type", "headerName": "Тип", "minWidth": 120},
    ]
    defs = {c["field"]: c for c in _grid_table(grid("g", rows, cols)).columnDefs}
    # 19 characters x 7.5 px + 36 px of padding
    assert defs["account"]["minWidth"] == 178
    # the longest header word "Зачтено," 8 x 8.5 px + 72 px of padding and icons beats
    # "118,165.3" (9 x 7.5 + 36 = 103.5)
    assert defs["credited"]["minWidth"] == 140
    assert defs["credited"]["type"] == "numericColumn"
    assert defs["type"]["minWidth"] == 120  # a page's own width is kept
    # text shows in full on hover; numbers do not need it
    assert defs["account"]["tooltipField"] == "account"
    assert "tooltipField" not in defs["credited"]
    long_subject = [{"subject": "x" * 200}]
    (subject,) = _grid_table(grid("g", long_subject, [{"field": "subject"}])).columnDefs
    assert subject["minWidth"] == 260  # capped: a long text is cut, whole on hover


def test_an_empty_grid_is_a_short_box_unless_a_callback_fills_it() -> None:
    cols = [{"field": "a", "headerName": "A"}]
    assert _grid_table(grid("g", [], cols, height=420)).style["height"] == "150px"
    kept = grid("g", [], cols, height=380, shrink_when_empty=False)
    assert _grid_table(kept).style["height"] == "380px"
    assert _grid_table(grid("g", [{"a": 1}], cols, height=420)).style["height"] == "420px"


def test_a_breakdown_bar_with_no_team_says_so_in_words() -> None:
    """Bot-solved and untaken tickets have no team; the marts key them '?', which the
    'breaches by team' chart showed as a bare question mark."""
    frame = pl.DataFrame({"key": ["tier2", "?"], "breached": [7, 3], "total": [70, 10]})
    ru = figures.breaches_bar(frame, "team", "ru")["data"][0]
    assert list(ru["y"]) == ["Без команды", "tier2"]
    assert [row[1] for row in ru["customdata"]] == ["?", "tier2"]  # the drill keeps the key
    en = figures.breaches_bar(frame, "product_area", "en")["data"][0]
    assert list(en["y"]) == ["Not set", "tier2"]
