"""Teams (`/teams`), for team leads: every engineer's metrics beside the targets of the
engineer's tier, cells coloured against them (with a glyph, never colour alone),
sortable, exportable to CSV. Values, targets and statuses are fct_engineer_periods'
rows for the chosen period (the engineer page reads the same rows); engineers the
viewer may not see by name arrive from the data layer as their team's row."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import data, i18n
from dashboard import formatting as fmt
from dashboard.components import (
    card,
    csv_text,
    ctx,
    empty_state,
    filter_bar,
    grid,
    guard,
    link_column,
    shell,
)
from dashboard.components.metrics import DEFINITION_KEY, STATE_OF_STATUS
from dashboard.i18n import t

dash.register_page(__name__, path="/teams", title="Support Pulse · Teams", name="Teams", order=2)


def table_rows(df: Any, lang: str) -> list[dict[str, Any]]:
    """Grid rows: values, targets and a state per metric (pure)."""
    rows = []
    for r in df.iter_rows(named=True):
        row: dict[str, Any] = {
            "engineer_id": r.get("engineer_id"),
            "team": r.get("team_name") or r.get("team_id") or "",
            "tier": r.get("engineer_tier") or "",
            "is_aggregate": bool(r.get("is_aggregate")),
        }
        if row["is_aggregate"]:
            row["name"] = t("teams.aggregated", lang, team=row["team"])
        else:
            row["name"] = r.get("full_name") or r.get("engineer_id")
        for metric, _kind, _hib in data.ENGINEER_METRICS:
            value, target = r.get(metric), r.get(f"{metric}_target")
            row[metric] = None if value is None else float(value)
            row[f"{metric}_target"] = None if target is None else float(target)
            row[f"{metric}_state"] = STATE_OF_STATUS.get(r.get(f"{metric}_status") or "")
        tmin, tmax = r.get("tickets_handled_target"), r.get("tickets_handled_target_max")
        if tmin is not None and tmax is not None:
            row["tickets_handled_target_text"] = (
                f"{fmt.number(tmin, lang)}–{fmt.number(tmax, lang)}"
            )
        rows.append(row)
    return rows


def _target_text(metric: str, kind: str, row: dict[str, Any], lang: str) -> str | None:
    if metric == "tickets_handled":
        return row.get("tickets_handled_target_text")
    target = row.get(f"{metric}_target")
    if target is None:
        return None
    return fmt.percent(target, lang, 0) if kind == "share" else fmt.number(target, lang, 1)


def column_defs(
    lang: str, rows: list[dict[str, Any]] | None = None, period: str | None = None
) -> list[dict[str, Any]]:
    """One column per metric, its target said once: in the header when every engineer
    shown has the same one, else per engineer tier in the header's hover; the cell's
    colour and glyph say met or missed. 11 columns fit a laptop screen."""
    rows = [r for r in rows or [] if not r.get("is_aggregate")]
    cols: list[dict[str, Any]] = [
        link_column(
            "name",
            t("col.engineer", lang),
            "/engineer/",
            id_field="engineer_id",
            query={"period": period} if period else None,
            pinned="left",
            minWidth=180,
            headerTooltip=t("col.engineer", lang),
        ),
        {
            "field": "team",
            "headerName": t("col.team", lang),
            "headerTooltip": t("col.team", lang),
            "minWidth": 240,
            "tooltipField": "team",
        },
        {
            "field": "tier",
            "headerName": t("col.engineer_tier", lang),
            "headerTooltip": t("col.engineer_tier", lang),
            "maxWidth": 90,
        },
    ]
    for metric, kind, _hib in data.ENGINEER_METRICS:
        by_tier: dict[str, str] = {}
        for r in rows:
            text = _target_text(metric, kind, r, lang)
            if text is not None:
                by_tier.setdefault(str(r.get("tier") or "?"), text)
        name = t(f"m.{metric}", lang)
        targets = set(by_tier.values())
        header = name
        if len(targets) == 1:
            header = f"{name} · {t('teams.target', lang).lower()} {targets.pop()}"
        elif by_tier:
            header = f"{name} · {t('teams.target_by_tier', lang)}"
        tip = i18n.definition(DEFINITION_KEY[metric], lang)
        if by_tier:
            per_tier = ", ".join(f"{tier}: {text}" for tier, text in sorted(by_tier.items()))
            where = f"{t('teams.target', lang)} ({t('col.engineer_tier', lang)})"
            tip = f"{name}. {where} {per_tier}\n\n{tip}"
        cols.append(
            {
                "field": metric,
                "headerName": header,
                "headerTooltip": tip,
                "type": "numericColumn",
                "wrapHeaderText": True,
                "autoHeaderHeight": True,
                "valueFormatter": {"function": f"pulseCell(params, '{kind}', '{lang}')"},
                "cellClassRules": {
                    "cell-good": f"params.data.{metric}_state == 'good'",
                    "cell-warn": f"params.data.{metric}_state == 'warn'",
                    "cell-bad": f"params.data.{metric}_state == 'bad'",
                },
                "minWidth": 110,
            }
        )
    return cols


def export_columns(lang: str) -> list[tuple[str, str]]:
    cols = [
        ("engineer_id", t("col.engineer_id", lang)),
        ("name", t("col.engineer", lang)),
        ("team", t("col.team", lang)),
        ("tier", t("col.engineer_tier", lang)),
    ]
    for metric, _kind, _hib in data.ENGINEER_METRICS:
        cols.append((metric, t(f"m.{metric}", lang)))
        cols.append((f"{metric}_target", f"{t(f'm.{metric}', lang)} · {t('teams.target', lang)}"))
    return cols


def layout(period: str | None = None, lang: str | None = None, **_: Any) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {}

    def build() -> Any:
        holder["info"] = data.build_info(c.settings, c.viewer)
        periods = data.engineer_periods(c.settings, c.viewer)
        labels = {p["label"]: fmt.period(p["label"], c.lang, p["is_partial"]) for p in periods}
        chosen = period if period in labels else data.DEFAULT_PERIOD
        bar = filter_bar(
            {"period": chosen},
            [("period", t("teams.weeks", c.lang), list(labels.items()) or [(chosen, chosen)])],
        )
        df = data.engineer_table(c.settings, c.viewer, chosen)
        if df.height == 0:
            return html.Div([bar, empty_state(t("teams.empty", c.lang), kind="setup")])
        rows = table_rows(df, c.lang)
        return html.Div(
            [
                bar,
                dcc.Store(id="teams-params", data={"period": chosen, "lang": c.lang}),
                card(
                    t("teams.period", c.lang, period=labels.get(chosen, chosen)),
                    [
                        html.P(t("teams.hint", c.lang), className="hint"),
                        grid(
                            "teams-grid",
                            rows,
                            column_defs(c.lang, rows, chosen),
                            export_label=t("export.csv", c.lang),
                            height=min(760, 130 + 42 * len(rows)),
                            row_class_rules={"row-aggregate": "params.data.is_aggregate"},
                        ),
                    ],
                ),
            ]
        )

    content = guard(c, build)
    return shell("teams", c.lang, holder.get("info"), c.tz, t("teams.title", c.lang), content)


@callback(
    Output("teams-grid-download", "data"),
    Input("teams-grid-export", "n_clicks"),
    State("teams-params", "data"),
    prevent_initial_call=True,
)
def export(_n: int, params: dict[str, Any]) -> Any:
    """The CSV is rebuilt from the data layer for this request's viewer (never the
    browser's copy), so it holds exactly what this viewer may see."""
    params = params or {}
    c = ctx(params.get("lang"))
    chosen = str(params.get("period") or data.DEFAULT_PERIOD)
    df = data.engineer_csv_rows(c.settings, c.viewer, chosen)
    rows = table_rows(df, c.lang)
    period = [(t("col.period", c.lang), chosen)]
    text = csv_text(rows, export_columns(c.lang), lang=c.lang, period=period)
    return dcc.send_string(text, f"engineers-{chosen}.csv")
