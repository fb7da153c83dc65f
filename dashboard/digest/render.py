"""A digest as one HTML document, in the recipient's language.

The same document is the e-mail body (images as `cid:` parts) and, printed by headless
Chromium, the PDF (images as `data:` URIs); `image` decides which. Each section that
starts a PDF page has the `sheet` class (`break-before: page`): every digest has two
parts, the second on a page of its own (a part longer than a page runs on). Every value
from the warehouse is escaped; nothing from an extract becomes markup or a link.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from dashboard import formatting as fmt
from dashboard import i18n
from dashboard.digest import charts
from dashboard.digest.content import ENGINEER_COLUMNS, OUTLIER_MIN_N, OUTLIER_POINTS, Digest

ImageRef = Callable[[str, bytes], str]  # (name, png) -> src

CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; color: #212529; font-size: 11px;
       margin: 0; }
.page { max-width: 760px; margin: 0 auto; }
h1 { font-size: 19px; margin: 0 0 4px; }
h2 { font-size: 14px; margin: 18px 0 6px; border-bottom: 1px solid #dee2e6; padding-bottom: 3px; }
.muted { color: #6c757d; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e9ecef;
         vertical-align: middle; }
th { background: #f8f9fa; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
.status { border-radius: 8px; padding: 1px 7px; font-size: 10px; white-space: nowrap; }
.on_track { background: #d1e7dd; color: #0f5132; }
.at_risk { background: #fff3cd; color: #664d03; }
.off_track { background: #f8d7da; color: #842029; }
.no_data { background: #e9ecef; color: #495057; }
.miss { color: #b02a37; font-weight: 600; }
.sheet { break-before: page; }
img { display: block; }
"""


def _cell(text: str, cls: str = "") -> str:
    return f'<td class="{cls}">{escape(text)}</td>' if cls else f"<td>{escape(text)}</td>"


def _head(*labels: str, num_from: int = 99) -> str:
    cells = "".join(
        f'<th class="num">{escape(x)}</th>' if i >= num_from else f"<th>{escape(x)}</th>"
        for i, x in enumerate(labels)
    )
    return f"<tr>{cells}</tr>"


def kr_value(value: float | None, unit: str | None, lang: str) -> str:
    """A KR value as the OKR page shows it: the mart keeps percent KRs in 0-100."""
    if value is None:
        return fmt.DASH
    if (unit or "").lower() == "pct":
        return fmt.percent(float(value) / 100.0, lang)
    return fmt.value(value, unit, lang)


def _change(kr: dict[str, Any], lang: str) -> str:
    """The change since last week with its sign; percent KRs move in percentage points."""
    change = kr.get("change")
    if change is None:
        return fmt.DASH
    if (kr.get("unit") or "").lower() == "pct":
        points = "п.\u00a0п." if lang == "ru" else "pts"
        body = f"{fmt.number(abs(change), lang, 1)}\u00a0{points}"
    else:
        body = kr_value(abs(change), kr.get("unit"), lang)
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    return f"{sign}{body}"


def kr_name(kr: dict[str, Any], lang: str) -> str:
    key = f"kr.{kr['kr_id']}"
    return i18n.t(key, lang) if key in i18n.TR else str(kr.get("key_result") or kr["kr_id"])


def _status(status: str | None, lang: str) -> str:
    status = status or "no_data"
    return (
        f'<span class="status {escape(status)}">{escape(i18n.label("status", status, lang))}</span>'
    )


def _header(d: Digest, lang: str, tz: str) -> str:
    t = i18n.t
    title = t(f"digest.{d.kind}", lang)
    period = t("digest.period", lang, start=fmt.date_(d.start, lang), end=fmt.date_(d.end, lang))
    moment = fmt.datetime_(d.as_of, lang, tz)
    lines = [
        f"<h1>{escape(title)}</h1>",
        f'<div class="muted">{escape(period)} · '
        f"{escape(t('digest.as_of', lang, moment=moment))}</div>",
    ]
    if d.kind == "lead-weekly":
        teams = ", ".join(d.team_names) or fmt.DASH
        lines.append(f'<div class="muted">{escape(t("digest.teams", lang, teams=teams))}</div>')
    return "\n".join(lines)


def _kr_table(d: Digest, lang: str, image: ImageRef, quarterly: bool) -> str:
    t = i18n.t
    if quarterly:
        head = _head(
            t("digest.kr", lang),
            t("digest.actual", lang),
            t("digest.target_col", lang),
            t("digest.status", lang),
            t("digest.projection", lang),
            t("digest.projected_status", lang),
            t("digest.trend", lang),
            num_from=1,
        )
    else:
        head = _head(
            t("digest.kr", lang),
            t("digest.actual", lang),
            t("digest.target_col", lang),
            t("digest.status", lang),
            t("digest.change", lang),
            num_from=1,
        )
    rows = []
    for kr in d.krs:
        unit = kr.get("unit")
        cells = [
            _cell(kr_name(kr, lang)),
            _cell(kr_value(kr.get("actual"), unit, lang), "num"),
            _cell(kr_value(kr.get("target"), unit, lang), "num"),
            f'<td class="num">{_status(kr.get("status"), lang)}</td>',
        ]
        if quarterly:
            cells.append(_cell(kr_value(kr.get("projection"), unit, lang), "num"))
            cells.append(
                f'<td class="num">{_status(kr.get("projected_status"), lang)}</td>'
                if kr.get("projected_status")
                else _cell(fmt.DASH, "num")
            )
            monthly = kr.get("monthly") or []
            actual = [m.get("actual") for m in monthly]
            if len([a for a in actual if a is not None]) > 1:
                png = charts.sparkline(actual, [m.get("target") for m in monthly])
                src = image(f"spark-{kr['kr_id']}", png)
                alt = " · ".join(
                    f"{m['period']}: {kr_value(m['actual'], unit, lang)}" for m in monthly
                )
                cells.append(
                    f'<td><img src="{escape(src)}" width="140" height="36" '
                    f'alt="{escape(alt)}"></td>'
                )
            else:
                cells.append(_cell(fmt.DASH))
        else:
            cells.append(_cell(_change(kr, lang), "num"))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = (
        ""
        if quarterly or d.has_history
        else (f'<p class="muted">{escape(t("digest.no_history", lang))}</p>')
    )
    return f"<h2>{escape(t('digest.krs', lang))}</h2><table>{head}{''.join(rows)}</table>" + note


def _movers(d: Digest, lang: str) -> str:
    t = i18n.t
    if not d.movers:
        heading = escape(t("digest.movers", lang))
        return f"<h2>{heading}</h2><p>{escape(t('digest.no_movers', lang))}</p>"
    items = "".join(
        f"<li><b>{escape(kr_name(kr, lang))}</b>: {escape(_change(kr, lang))} → "
        f"{escape(kr_value(kr.get('actual'), kr.get('unit'), lang))} "
        f"{_status(kr.get('status'), lang)}</li>"
        for kr in d.movers
    )
    return f"<h2>{escape(t('digest.movers', lang))}</h2><ol>{items}</ol>"


def _tier_section(d: Digest, lang: str, image: ImageRef, weekly: bool) -> str:
    t = i18n.t
    names = [i18n.label("tier", row["tier"], lang) for row in d.tiers]
    png = charts.grouped_bars(
        names,
        [
            (t("metric.first_response", lang), [r["first_response"]["breached"] for r in d.tiers]),
            (t("metric.resolution", lang), [r["resolution"]["breached"] for r in d.tiers]),
        ],
    )
    src = image("breaches-by-tier", png)
    alt = ", ".join(f"{n}: {r['breached']}" for n, r in zip(names, d.tiers, strict=True))
    labels = [t("digest.tier", lang), t("metric.first_response", lang)]
    labels += [
        t("metric.resolution", lang),
        t("metric.overall", lang),
        t("digest.target_col", lang),
    ]
    if weekly:
        labels.append(t("digest.prev_week", lang))
    rows = []
    for name, row in zip(names, d.tiers, strict=True):
        cells = [_cell(name)]
        for metric in ("first_response", "resolution"):
            count = t("digest.breaches_n", lang, n=fmt.number(row[metric]["breached"], lang))
            cells.append(
                f'<td class="num">{escape(fmt.percent(row[metric]["compliance"], lang))}'
                f'<br><span class="muted">{escape(count)}</span></td>'
            )
        overall, target = row["overall"], row["target"]
        # below target is the mart's status (at risk or off track), not a rule here
        miss = row["status"] in ("at_risk", "off_track")
        cells.append(_cell(fmt.percent(overall, lang), "num miss" if miss else "num"))
        cells.append(_cell(fmt.percent(target, lang), "num"))
        if weekly:
            before = t("digest.breaches_n", lang, n=fmt.number(row["breached_before"], lang))
            cells.append(_cell(before, "num"))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<h2>{escape(t('digest.breaches_by_tier', lang))}</h2>"
        f'<p class="muted">{escape(t("digest.chart_breaches", lang))}</p>'
        f'<img src="{escape(src)}" width="560" height="220" alt="{escape(alt)}">'
        f"<table>{_head(*labels, num_from=1)}{''.join(rows)}</table>"
    )


def _engineer_value(row: dict[str, Any], column: str, share: bool, lang: str) -> str:
    value = row.get(column)
    return fmt.percent(value, lang) if share else fmt.number(value, lang, 0)


def _engineers(d: Digest, lang: str, image: ImageRef) -> str:
    t = i18n.t
    labels = [
        t("digest.engineer", lang),
        t("digest.team", lang),
        t("digest.engineer_tier", lang),
        t("digest.response", lang),
        t("digest.resolution", lang),
        t("digest.fcr", lang),
        t("digest.csat", lang),
        t("digest.handled", lang),
        t("digest.escalations", lang),
    ]
    rows = []
    for row in d.engineers:
        cells = [
            _cell(row["full_name"] or fmt.DASH),
            _cell(row["team_name"] or fmt.DASH),
            _cell(str(row["engineer_tier"] or fmt.DASH)),
        ]
        for column, share, _higher in ENGINEER_COLUMNS:
            # off target is the mart's status (the one rule), not a comparison here
            miss = row.get(f"{column}_status") in ("at_risk", "off_track")
            goal = _engineer_value(row, f"{column}_target", share, lang)
            text = escape(_engineer_value(row, column, share, lang))
            text = f'<span class="miss">{text}</span>' if miss else text
            cells.append(
                f'<td class="num">{text}<br><span class="muted">'
                f"{escape(t('digest.target', lang, value=goal))}</span></td>"
            )
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = "".join(rows) or f'<tr><td colspan="9">{escape(t("digest.none", lang))}</td></tr>'
    chart = ""
    if d.engineers:
        png = charts.target_bars(
            [r["full_name"] or fmt.DASH for r in d.engineers],
            [r["resolution_compliance"] for r in d.engineers],
            [r["resolution_compliance_target"] for r in d.engineers],
        )
        src = image("engineers-resolution", png)
        chart = (
            f'<p class="muted">{escape(t("digest.chart_engineers", lang))}</p>'
            f'<img src="{escape(src)}" width="560" alt="">'
        )
    return (
        f"<h2>{escape(t('digest.engineers', lang))}</h2>"
        f"<table>{_head(*labels, num_from=3)}{body}</table>{chart}"
    )


_COLUMN_KEYS = {
    "response_compliance": "digest.response",
    "resolution_compliance": "digest.resolution",
    "fcr": "digest.fcr",
    "csat": "digest.csat",
    "escalation_rate": "digest.escalations",
}


def _outliers(d: Digest, lang: str) -> str:
    t = i18n.t
    rule = t("digest.outlier_rule", lang, points=fmt.number(OUTLIER_POINTS, lang), n=OUTLIER_MIN_N)
    if not d.outliers:
        body = f"<p>{escape(t('digest.no_outliers', lang))}</p>"
    else:
        items = "".join(
            f"<li><b>{escape(o['engineer'] or fmt.DASH)}</b>: "
            f"{escape(t(_COLUMN_KEYS[o['metric']], lang))} {escape(fmt.percent(o['value'], lang))}"
            f" ({escape(t('digest.target', lang, value=fmt.percent(o['target'], lang)))})</li>"
            for o in d.outliers
        )
        body = f"<ul>{items}</ul>"
    return f'<h2>{escape(t("digest.outliers", lang))}</h2><p class="muted">{escape(rule)}</p>{body}'


def _breached(d: Digest, lang: str, tz: str) -> str:
    t = i18n.t
    head = _head(
        t("digest.ticket", lang),
        t("digest.tier", lang),
        t("digest.priority", lang),
        t("digest.metric", lang),
        t("digest.due", lang),
        t("digest.engineer", lang),
    )
    rows = "".join(
        "<tr>"
        + _cell(str(r["ticket_id"]))
        + _cell(i18n.label("tier", r["tier"], lang))
        + _cell(i18n.label("prio", r["priority"], lang))
        + _cell(i18n.label("metric", r["metric"], lang))
        + _cell(fmt.datetime_(r["due_at"], lang, tz))
        + _cell(r["engineer"] or fmt.DASH)
        + "</tr>"
        for r in d.breached
    )
    more = d.breached_total - len(d.breached)
    tail = f'<p class="muted">{escape(t("digest.more", lang, n=more))}</p>' if more > 0 else ""
    if not d.breached:
        heading = escape(t("digest.breached_tickets", lang))
        return f"<h2>{heading}</h2><p>{escape(t('digest.none', lang))}</p>"
    return (
        f"<h2>{escape(t('digest.breached_tickets', lang))} ({d.breached_total})</h2>"
        f"<table>{head}{rows}</table>{tail}"
    )


def title(d: Digest, lang: str) -> str:
    period = f"{fmt.date_(d.start, lang)} — {fmt.date_(d.end, lang)}"
    return f"Support Pulse · {i18n.t(f'digest.{d.kind}', lang)} · {period}"


def render_html(d: Digest, lang: str, tz: str, image: ImageRef) -> str:
    """The whole digest; `image` turns each chart into the src the medium needs."""
    first = [_header(d, lang, tz)]
    if d.kind == "vp-weekly":
        first.append(_kr_table(d, lang, image, quarterly=False))
        second = [_movers(d, lang), _tier_section(d, lang, image, weekly=True)]
    elif d.kind == "okr-quarterly":
        first.append(_kr_table(d, lang, image, quarterly=True))
        second = [_tier_section(d, lang, image, weekly=False)]
    else:
        first.append(_engineers(d, lang, image))
        second = [_outliers(d, lang), _breached(d, lang, tz)]
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title(d, lang))}</title><style>{CSS}</style></head>"
        f'<body><div class="page"><section>{"".join(first)}</section>'
        f'<section class="sheet">{"".join(second)}</section></div></body></html>\n'
    )


def plain_text(d: Digest, lang: str) -> str:
    """The text part of the e-mail, for clients that show no HTML."""
    lines = [title(d, lang), ""]
    for kr in d.krs:
        status = i18n.label("status", kr.get("status") or "no_data", lang)
        lines.append(
            f"- {kr_name(kr, lang)}: {kr_value(kr.get('actual'), kr.get('unit'), lang)} ({status})"
        )
    for row in d.engineers:
        lines.append(f"- {row['full_name']}: {fmt.percent(row['resolution_compliance'], lang)}")
    lines += ["", i18n.t("digest.pdf_note", lang)]
    return "\n".join(lines)
