"""What-if: SLA compliance of a past period under a draft policy beside the live one.

"What if premium high resolution were 6 h instead of 4 h last quarter?" - the draft is
a scenario in seeds/sla_policy_drafts.csv, evaluated by dbt on the same clocks; this
page only reads the result (dashboard.data.whatif) and never changes a live number.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard import data, i18n
from dashboard import formatting as fmt
from dashboard.components import card, ctx, empty_state, filter_bar, grid, guard, shell
from dashboard.i18n import t

dash.register_page(
    __name__, path="/whatif", title="Support Pulse · What-if", name="What-if", order=7
)


def matrix_rows(df: Any, lang: str) -> list[dict[str, Any]]:
    """Grid rows: labels translated, compliance as text, the change in points."""
    rows = []
    for r in df.iter_rows(named=True):
        live, draft, delta = r["live_compliance"], r["draft_compliance"], r["change_pp"]
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
    period: str | None = None,
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
        # the mart's periods; the default is the last whole quarter before the as-of
        periods = {p["label"]: p for p in data.whatif.periods(c.settings, c.viewer)}
        default = data.whatif.period_label(data.whatif.previous_quarter(c.settings, c.viewer)[0])
        label = period if period in periods else default
        row = periods.get(label)
        if row is None:
            return empty_state(t("empty.filter", c.lang), kind="filter")
        s, e = row["start"], row["end"]
        bar = filter_bar(
            {"scenario": chosen, "period": label},
            [
                ("scenario", t("whatif.scenario", c.lang), [(n, n) for n in names]),
                (
                    "period",
                    t("col.period", c.lang),
                    [(k, fmt.period(k, c.lang, p["is_partial"])) for k, p in periods.items()],
                ),
            ],
        )
        df = data.whatif.compare(c.settings, c.viewer, chosen, label)
        named = fmt.period(label, c.lang, row["is_partial"])
        tickets = data.whatif.changed_tickets(c.settings, c.viewer, chosen, s, e)
        lines = headlines(df, c.lang) or [t("whatif.no_change", c.lang)]
        live, draft = t("whatif.live", c.lang), t("whatif.draft", c.lang)
        counts = f"{t('whatif.met', c.lang)} / {t('whatif.breached', c.lang)}"
        matrix = matrix_rows(df, c.lang)
        return html.Div(
            [
                bar,
                card(
                    f"{t('whatif.matrix', c.lang)} · {named}",
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
