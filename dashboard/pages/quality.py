"""Data quality (`/quality`): loaded batches with read / landed / rejected and whether
they reconcile, rejected rows by reason, the latest rejected rows, orphan events,
source freshness, the helpdesk's SLA verdicts against ours (issue 14) and the dbt test
results of the published build (issue 6)."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard import alert_deliveries, data, i18n
from dashboard import formatting as fmt
from dashboard.components import card, ctx, empty_state, grid, guard, kpi_tile, link_column, shell
from dashboard.i18n import t

dash.register_page(
    __name__, path="/quality", title="Support Pulse · Data quality", name="Data quality", order=6
)


def batch_rows(df: Any, lang: str, tz: str) -> list[dict[str, Any]]:
    rows = []
    for r in df.iter_rows(named=True):
        ok = bool(r.get("is_reconciled"))
        rows.append(
            {
                "entity": r["entity"],
                "file": r["file_name"],
                "read": r["rows_read"],
                "landed": r["rows_landed"],
                "rejected": r["rows_rejected"],
                "reconciled": ("✔ " + t("dq.reconciled", lang))
                if ok
                else ("✖ " + t("dq.not_reconciled", lang)),
                "reconciled_ok": ok,
                # the words in the reader's language; the code for the cell colour
                "status": i18n.label("batchstatus", r["status"], lang),
                "status_code": r["status"],
                # a failed batch without its error: hidden from this viewer (data layer)
                "error": r.get("error")
                or (t("dq.error_hidden", lang) if r["status"] == "failed" else ""),
                "loaded": fmt.datetime_(r["loaded_at"], lang, tz),
            }
        )
    return rows


def vendor_sla_rows(df: Any, lang: str) -> list[dict[str, Any]]:
    """Grid rows for the disagreeing ticket x metric pairs (pure: frame in, dicts out)."""
    rows = []
    for r in df.iter_rows(named=True):
        vendor_clock = "business" if r["vendor_business_hours"] else "calendar"
        rows.append(
            {
                "ticket_id": str(r["ticket_id"]),
                "metric": i18n.label("metric", r["metric"], lang),
                "policy": r["vendor_policy"] or "",
                "vendor_target": fmt.clock_duration(r["vendor_target_minutes"], vendor_clock, lang),
                "vendor_outcome": i18n.label("outcome", r["vendor_outcome"], lang)
                if r["vendor_outcome"]
                else "—",
                "tier": i18n.label("tier", r["pulse_support_tier"], lang)
                if r["pulse_support_tier"]
                else "—",
                "pulse_target": fmt.clock_duration(
                    r["pulse_target_minutes"], r["pulse_clock"], lang
                ),
                "pulse_outcome": i18n.label("outcome", r["pulse_outcome"], lang)
                if r["pulse_outcome"]
                else "—",
                "reason": t(f"vsla.reason.{r['reason']}", lang),
            }
        )
    return rows


def vendor_sla_section(c: Any) -> list[Any]:
    """The agreement tile, disagreements by reason and the disagreeing tickets."""
    v = data.vendor_sla_comparison(c.settings, c.viewer)
    if v is None:
        return []
    if v["n"] == 0:
        return [card(t("vsla.title", c.lang), html.P(t("vsla.none", c.lang), className="muted"))]
    tile = kpi_tile(
        t("vsla.agreement", c.lang),
        fmt.percent(v["rate"], c.lang),
        sub=t("vsla.agreement_sub", c.lang, agreed=v["agreed"], n=v["n"]),
        status=v["status"],
        lang=c.lang,
        pill_kind="check",
        tile_id="dq-vendor-sla",
    )
    reasons = [
        {"reason": t(f"vsla.reason.{r['reason']}", c.lang), "n": r["n"]}
        for r in v["reasons"].iter_rows(named=True)
    ]
    vendor, pulse = t("vsla.vendor", c.lang), t("vsla.pulse", c.lang)
    columns = [
        # the link is built from the encoded id in the browser; the id stays text
        link_column("ticket_id", t("col.ticket", c.lang), "/ticket/", minWidth=100),
        {"field": "metric", "headerName": t("col.metric", c.lang)},
        {"field": "reason", "headerName": t("dq.reason", c.lang), "minWidth": 220},
        {"field": "policy", "headerName": t("vsla.policy", c.lang)},
        {"field": "vendor_target", "headerName": f"{vendor}: {t('col.target', c.lang)}"},
        {"field": "vendor_outcome", "headerName": f"{vendor}: {t('col.outcome', c.lang)}"},
        {"field": "tier", "headerName": t("col.tier", c.lang)},
        {"field": "pulse_target", "headerName": f"{pulse}: {t('col.target', c.lang)}"},
        {"field": "pulse_outcome", "headerName": f"{pulse}: {t('col.outcome', c.lang)}"},
    ]
    reason_grid = grid(
        "dq-vendor-sla-reasons",
        reasons,
        [
            {"field": "reason", "headerName": t("dq.reason", c.lang), "minWidth": 240},
            {"field": "n", "headerName": t("dq.rows", c.lang), "type": "numericColumn"},
        ],
        height=300,
    )
    rows_grid = grid("dq-vendor-sla-grid", vendor_sla_rows(v["rows"], c.lang), columns, height=300)
    return [
        html.Div(tile, className="kpi-row"),
        html.Div(
            [
                card(t("vsla.by_reason", c.lang), reason_grid),
                card(t("vsla.rows", c.lang), rows_grid),
            ],
            className="cols-2",
        ),
    ]


def test_summary(tests: Any) -> dict[str, int]:
    counts = {"pass": 0, "fail": 0, "warn": 0, "error": 0}
    for status in tests["status"].to_list():
        key = str(status).lower()
        counts[key if key in counts else "error"] += 1
    return counts


def delivery_view(document: dict[str, Any], c: Any) -> Any:
    """Failed alert deliveries of the last week, or one line saying there are none."""
    found = alert_deliveries.rows(document, c.lang, c.tz)
    if not found:
        checked = fmt.datetime_(alert_deliveries.moment(document.get("written_at")), c.lang, c.tz)
        return html.P(t("dq.alerts_ok", c.lang, moment=checked), id="dq-alerts-ok")
    fields = ("at", "channel", "alert", "ticket", "metric", "attempts", "status", "error")
    heads = (
        "dq.last_attempt",
        "dq.channel",
        "dq.alert",
        "dq.ticket",
        "filter.metric",
        "dq.attempts",
        "dq.status",
        "dq.error",
    )
    cols = [{"field": f, "headerName": t(h, c.lang)} for f, h in zip(fields, heads, strict=True)]
    cols[0]["minWidth"], cols[-1]["minWidth"] = 150, 260
    return grid("dq-alerts-grid", found, cols, height=240)


def layout(lang: str | None = None, **_: Any) -> html.Div:
    c = ctx(lang)
    holder: dict[str, Any] = {}

    def build() -> Any:
        holder["info"] = data.build_info(c.settings, c.viewer)
        q = data.quality(c.settings, c.viewer)
        parts: list[Any] = []
        batches = q.get("batches")
        totals = q.get("totals")
        tiles = []
        if totals and totals["batch_count"]:
            # fct_dq_load_totals over every batch (the grid shows the newest 500 only)
            read, landed = totals["rows_read"], totals["rows_landed"]
            rejected = totals["rows_rejected"]
            failed, bad = totals["failed_batch_count"], totals["unreconciled_batch_count"]
            tiles += [
                kpi_tile(
                    t("dq.batches", c.lang),
                    fmt.number(totals["batch_count"], c.lang),
                    sub=t(
                        "dq.summary",
                        c.lang,
                        batches=fmt.number(totals["batch_count"], c.lang),
                        read=fmt.number(read, c.lang),
                        landed=fmt.number(landed, c.lang),
                        rejected=fmt.number(rejected, c.lang),
                    ),
                    status="on_track" if bad == 0 else "off_track",
                    lang=c.lang,
                    pill_kind="check",
                    tile_id="dq-batches",
                ),
                kpi_tile(
                    t("dq.rejected", c.lang),
                    fmt.number(rejected, c.lang),
                    sub=t("dq.failed_files", c.lang, n=failed),
                    status="on_track" if failed == 0 else "at_risk",
                    lang=c.lang,
                    pill_kind="check",
                    tile_id="dq-rejected",
                ),
            ]
        if q.get("orphan_count") is not None:
            tiles.append(
                kpi_tile(
                    t("dq.orphans", c.lang),
                    fmt.number(q["orphan_count"], c.lang),
                    status="on_track" if q["orphan_count"] == 0 else "at_risk",
                    lang=c.lang,
                    pill_kind="check",
                    tile_id="dq-orphans",
                )
            )
        tests = q.get("tests")
        if tests is not None and tests.height:
            counts = test_summary(tests)
            failing = counts["fail"] + counts["error"]
            tiles.append(
                kpi_tile(
                    t("dq.tests", c.lang),
                    t("dq.passed", c.lang, n=counts["pass"]),
                    sub=" · ".join(
                        [
                            t("dq.failed", c.lang, n=failing),
                            t("dq.warned", c.lang, n=counts["warn"]),
                        ]
                    ),
                    status="on_track"
                    if failing == 0 and counts["warn"] == 0
                    else ("at_risk" if failing == 0 else "off_track"),
                    lang=c.lang,
                    pill_kind="check",
                    tile_id="dq-tests",
                )
            )
        if not tiles:
            return empty_state(
                t("empty.no_table", c.lang, table="fct_dq_load_manifest"), kind="setup"
            )
        parts.append(html.Div(tiles, className="kpi-row"))
        if batches is not None:
            cols = [
                {"field": "loaded", "headerName": t("dq.loaded_at", c.lang), "minWidth": 150},
                {"field": "entity", "headerName": t("dq.entity", c.lang)},
                {"field": "file", "headerName": t("dq.file", c.lang), "minWidth": 220},
                {"field": "read", "headerName": t("dq.read", c.lang), "type": "numericColumn"},
                {"field": "landed", "headerName": t("dq.landed", c.lang), "type": "numericColumn"},
                {
                    "field": "rejected",
                    "headerName": t("dq.rejected", c.lang),
                    "type": "numericColumn",
                },
                {
                    "field": "reconciled",
                    "headerName": t("dq.reconcile_rule", c.lang),
                    "minWidth": 200,
                    "cellClassRules": {
                        "cell-good": "params.data.reconciled_ok",
                        "cell-bad": "!params.data.reconciled_ok",
                    },
                },
                {
                    "field": "status",
                    "headerName": t("dq.status", c.lang),
                    "cellClassRules": {"cell-bad": "params.data.status_code == 'failed'"},
                },
                {"field": "error", "headerName": t("dq.error", c.lang), "minWidth": 260},
            ]
            parts.append(
                card(
                    t("dq.batches", c.lang),
                    grid("dq-batches-grid", batch_rows(batches, c.lang, c.tz), cols, height=320),
                )
            )
        deliveries = alert_deliveries.read(c.settings)
        if deliveries is not None:
            parts.append(card(t("dq.alert_deliveries", c.lang), delivery_view(deliveries, c)))
        reasons, rejects = q.get("reasons"), q.get("reject_rows")
        row2 = []
        if reasons is not None:
            row2.append(
                card(
                    t("dq.rejects", c.lang),
                    grid(
                        "dq-reasons-grid",
                        reasons.to_dicts(),
                        [
                            {"field": "entity", "headerName": t("dq.entity", c.lang)},
                            {
                                "field": "reason",
                                "headerName": t("dq.reason", c.lang),
                                "minWidth": 260,
                            },
                            {
                                "field": "n",
                                "headerName": t("dq.rows", c.lang),
                                "type": "numericColumn",
                                "sort": "desc",
                            },
                        ],
                        height=300,
                    ),
                )
            )
        if rejects is not None:
            row2.append(
                card(
                    t("dq.reject_rows", c.lang),
                    grid(
                        "dq-rejects-grid",
                        [
                            {**r, "raw_row": t("dq.raw_hidden", c.lang)}
                            if r["raw_row"] is None
                            else r
                            for r in rejects.to_dicts()
                        ],
                        [
                            {"field": "entity", "headerName": t("dq.entity", c.lang)},
                            {"field": "file_name", "headerName": t("dq.file", c.lang)},
                            {
                                "field": "line_number",
                                "headerName": t("dq.line", c.lang),
                                "type": "numericColumn",
                            },
                            {"field": "reason", "headerName": t("dq.reason", c.lang)},
                            {
                                "field": "raw_row",
                                "headerName": t("dq.raw", c.lang),
                                "minWidth": 240,
                            },
                        ],
                        height=300,
                    ),
                )
            )
        if row2:
            parts.append(html.Div(row2, className="cols-2"))
        row3 = []
        fresh = q.get("freshness")
        if fresh is not None:
            fresh_rows = [
                {
                    "source": f"{r['source_name']}.{r['table_name']}",
                    "rows": r["row_count"],
                    "latest": fmt.datetime_(r["max_timestamp"], c.lang, c.tz),
                    "loaded": fmt.datetime_(r["last_loaded_at"], c.lang, c.tz),
                    "age": fmt.duration(
                        None if r["lag_hours"] is None else r["lag_hours"] * 60, c.lang
                    ),
                }
                for r in fresh.iter_rows(named=True)
            ]
            row3.append(
                card(
                    t("dq.freshness", c.lang),
                    grid(
                        "dq-fresh-grid",
                        fresh_rows,
                        [
                            {"field": "source", "headerName": t("dq.entity", c.lang)},
                            {
                                "field": "rows",
                                "headerName": t("dq.rows", c.lang),
                                "type": "numericColumn",
                            },
                            {"field": "latest", "headerName": t("dq.latest", c.lang)},
                            {"field": "loaded", "headerName": t("dq.loaded_at", c.lang)},
                            {"field": "age", "headerName": t("dq.age", c.lang)},
                        ],
                        height=300,
                    ),
                )
            )
        orphans = q.get("orphans")
        if orphans is not None:
            row3.append(
                card(
                    t("dq.orphans", c.lang),
                    grid(
                        "dq-orphans-grid",
                        orphans.with_columns(orphans["event_at"].cast(str)).to_dicts()
                        if "event_at" in orphans.columns
                        else orphans.to_dicts(),
                        [{"field": col, "headerName": col} for col in orphans.columns],
                        height=300,
                    ),
                )
            )
        if row3:
            parts.append(html.Div(row3, className="cols-2"))
        parts += vendor_sla_section(c)
        if tests is not None:
            test_rows = [
                {
                    "node": r["node"],
                    "status": (
                        "✔ " if r["status"] == "pass" else "⚠ " if r["status"] == "warn" else "✖ "
                    )
                    + str(r["status"]),
                    "failures": r["failures"],
                    "message": r["message"] or "",
                    "code": r["status"],
                }
                for r in tests.iter_rows(named=True)
            ]
            parts.append(
                card(
                    t("dq.tests", c.lang),
                    grid(
                        "dq-tests-grid",
                        test_rows,
                        [
                            {"field": "node", "headerName": t("dq.test", c.lang), "minWidth": 360},
                            {
                                "field": "status",
                                "headerName": t("dq.status", c.lang),
                                "cellClassRules": {
                                    "cell-good": "params.data.code == 'pass'",
                                    "cell-warn": "params.data.code == 'warn'",
                                    "cell-bad": "['fail', 'error'].includes(params.data.code)",
                                },
                            },
                            {
                                "field": "failures",
                                "headerName": t("dq.failures", c.lang),
                                "type": "numericColumn",
                            },
                            {
                                "field": "message",
                                "headerName": t("dq.error", c.lang),
                                "minWidth": 300,
                            },
                        ],
                        height=360,
                    ),
                )
            )
        return html.Div(parts)

    content = guard(c, build)
    return shell("quality", c.lang, holder.get("info"), c.tz, t("dq.title", c.lang), content)
