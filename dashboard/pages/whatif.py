"""What-if: SLA compliance of a past period under a draft policy beside the live one.

"What if premium high resolution were 6 h instead of 4 h last quarter?" - the draft is
a scenario in seeds/sla_policy_drafts.csv, evaluated by dbt on the same clocks; this
page only reads the result (dashboard.data.whatif) and never changes a live number.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
from dash import html

from dashboard import data, i18n
from dashboard import formatting as fmt
from dashboard.components import card, ctx, empty_state, filter_bar, grid, guard, shell
from dashboard.components.filters import date_filter
from dashboard.i18n import t

dash.register_page(
    __name__, path="/whatif", title="Support Pulse · What-if", name="What-if", order=7
)


def _date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(str(text)) if text else default
    except ValueError:
        return default


def matrix_rows(df: Any, lang: str) -> list[dict[str, Any]]:
    """Grid rows: labels translated, compliance as text, the change in points."""
    rows = []
    for r in df.iter_rows(named=True):
        live, draft = r["live_compliance"], r["draft_compliance"]
        delta = None if live is None or draft is None else (draft - live) * 100
        rows.append(
            {
                "tier": i18n.label("tier", r["support_tier"], lang),
                "priority": i18n.label("prio", r["priority"], lang),
                "metric": i18n.label("metric", r["metric"], lang),
                "live": f"{fmt.percent(live, lang)} ({r['live_met']} / {r['live_breached']})",
                "draft": f"{fmt.percent(draft, lang)} ({r['draft_met']} / {r['draft_breached']})",
                "delta": "" if delta is None else f"{delta:+.1f} pp",
                "changed": r["changed"],
            }
        )
    return rows


def headlines(df: Any, lang: str) -> list[str]:
    """One sentence per tier x priority x metric the draft changes in the period."""
    lines = []
    for r in df.filter(df["changed"] > 0).iter_rows(named=True):
        lines.append(
            t(
                "whatif.headline",
                lang,
                tier=i18n.label("tier", r["support_tier"], lang),
                prio=i18n.label("prio", r["priority"], lang),
                metric=i18n.label("metric", r["metric"], lang),
                live=fmt.percent(r["live_compliance"], lang),
                draft=fmt.percent(r["draft_compliance"], lang),
                n=r["changed"],
            )
        )
    return lines


def ticket_rows(df: Any, lang: str, tz: str) -> list[dict[str, Any]]:
    return [
        {
            "ticket": r["ticket_id"],
            "tier": i18n.label("tier", r["support_tier"], lang),
            "priority": i18n.label("prio", r["priority"], lang),
            "metric": i18n.label("metric", r["metric"], lang),
            "target": f"{r['live_target_minutes']} → {r['draft_target_minutes']}",
            "live": i18n.label("outcome", r["live_outcome"], lang),
            "live_at": fmt.datetime_(r["live_outcome_at"], lang, tz),
            "draft": i18n.label("outcome", r["draft_outcome"], lang),
            "draft_at": fmt.datetime_(r["draft_outcome_at"], lang, tz),
        }
        for r in df.iter_rows(named=True)
    ]


def _columns(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"field": field, "headerName": name} for field, name in pairs]


def layout(
    scenario: str | None = None,
    start: str | None = None,
    end: str | None = None,
    lang: str | None = None,
    **_: Any,
) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {}

    def build() -> Any:

        holder["info"] = data.build_info(c.settings, c.viewer)
        names = data.whatif.scenarios(c.settings, c.viewer)
        if not names:
            return empty_state(t("whatif.none", c.lang), kind="setup")
        chosen = scenario if scenario in names else names[0]
        d_start, d_end = data.whatif.previous_quarter(c.settings, c.viewer)
        s, e = _date(start, d_start), _date(end, d_end)
        if e < s:
            s, e = e, s
        dates = html.Div(
            [
                date_filter("start", t("filter.from", c.lang), s.isoformat(), c.lang),
                date_filter("end", t("filter.to", c.lang), e.isoformat(), c.lang),
            ],
            style={"display": "flex", "gap": "14px"},
        )
        bar = filter_bar(
            {"scenario": chosen},
            [("scenario", t("whatif.scenario", c.lang), [(n, n) for n in names])],
            extra=dates,
        )
        df = data.whatif.compare(c.settings, c.viewer, chosen, s, e)
        tickets = data.whatif.changed_tickets(c.settings, c.viewer, chosen, s, e)
        lines = headlines(df, c.lang) or [t("whatif.no_change", c.lang)]
        live, draft = t("whatif.live", c.lang), t("whatif.draft", c.lang)
        counts = f"{t('whatif.met', c.lang)} / {t('whatif.breached', c.lang)}"
        matrix = matrix_rows(df, c.lang)
        return html.Div(
            [
                bar,
                card(
                    t("whatif.matrix", c.lang),
                    [
                        html.P(t("whatif.hint", c.lang), className="hint"),
                        html.Ul([html.Li(line) for line in lines], id="whatif-headlines"),
                        grid(
                            "whatif-grid",
                            matrix,
                            _columns(
                                [
                                    ("tier", t("col.tier", c.lang)),
                                    ("priority", t("col.priority", c.lang)),
                                    ("metric", t("col.metric", c.lang)),
                                    ("live", f"{live} ({counts})"),
                                    ("draft", f"{draft} ({counts})"),
                                    ("delta", "Δ"),
                                    ("changed", t("whatif.changed", c.lang)),
                                ]
                            ),
                            height=min(640, 130 + 42 * len(matrix)),
                        ),
                    ],
                ),
                card(
                    t("whatif.tickets", c.lang),
                    [
                        grid(
                            "whatif-tickets",
                            ticket_rows(tickets, c.lang, c.tz),
                            _columns(
                                [
                                    ("ticket", t("col.ticket", c.lang)),
                                    ("tier", t("col.tier", c.lang)),
                                    ("priority", t("col.priority", c.lang)),
                                    ("metric", t("col.metric", c.lang)),
                                    ("target", t("col.target", c.lang)),
                                    ("live", live),
                                    ("live_at", f"{live} · {t('col.date', c.lang)}"),
                                    ("draft", draft),
                                    ("draft_at", f"{draft} · {t('col.date', c.lang)}"),
                                ]
                            ),
                            height=420,
                        )
                    ],
                ),
            ]
        )

    content = guard(c, build)
    return shell("whatif", c.lang, holder.get("info"), c.tz, t("whatif.title", c.lang), content)
