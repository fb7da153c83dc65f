"""Pure Plotly figure builders: data (polars frames, lists, dicts) + locale in, figure out.

No data access and no Dash here, so every builder is unit-testable. Shares arrive in
[0, 1]; axes show percent. Colours come in pairs with a second signal (icon, dash or
text) so colour is never the only carrier of meaning.

Figures are plain Plotly JSON dicts (`{"data": [...], "layout": {...}}`, the schema of
plotly.graph_objects), which `dcc.Graph` takes as they are: building them through the
graph_objects classes costs 40-100 ms per figure in validation, too slow for pages with
many figures and a 150 ms budget per callback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from dashboard import formatting as fmt
from dashboard import i18n
from dashboard.i18n import t

# Okabe-Ito colours, told apart with every common colour-vision deficiency; met / missed
# is bluish green / vermillion (never red / green), and tiers also differ by marker.
GOOD, WARN, BAD, NEUTRAL = "#009E73", "#E69F00", "#D55E00", "#5b6b7f"
TIER_COLOURS = {
    "premium": "#CC79A7",
    "professional": "#0072B2",
    "standard": "#E69F00",
    "free": "#8a8f98",
}
TIER_MARKERS = {"premium": "diamond", "professional": "circle", "standard": "square"}
SERIES = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]


def plain(text: object) -> str | None:
    """Text from the data as Plotly text: Plotly reads `<a href>`, `<b>` and friends in
    labels as markup, so `&`, `<` and `>` are escaped (Plotly shows the entities as the
    characters) and an extract's team or region name can never become a link. None
    (a missing category) stays None."""
    if text is None:
        return None
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _merge(target: dict, changes: dict) -> dict:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
    return target


def _t(kind: str, **props: Any) -> dict[str, Any]:
    """A trace dict; `marker_color=` style keys are expanded like graph_objects does."""
    trace: dict[str, Any] = {"type": kind}
    for key, value in props.items():
        if "_" in key and key.split("_", 1)[0] in ("marker", "line", "hoverlabel"):
            outer, inner = key.split("_", 1)
            trace.setdefault(outer, {})[inner] = value
        else:
            trace[key] = value
    return trace


class Fig(dict):
    """A Plotly figure as a plain dict, with the few graph_objects-style helpers used here."""

    def __init__(self, *traces: dict[str, Any]) -> None:
        super().__init__(data=list(traces), layout={})

    def add_trace(self, trace: dict[str, Any]) -> Fig:
        self["data"].append(trace)
        return self

    def update_layout(self, **changes: Any) -> Fig:
        _merge(self["layout"], changes)
        return self

    def update_xaxes(self, **changes: Any) -> Fig:
        _merge(self["layout"].setdefault("xaxis", {}), changes)
        return self

    def update_yaxes(self, **changes: Any) -> Fig:
        _merge(self["layout"].setdefault("yaxis", {}), changes)
        return self

    def add_annotation(self, **props: Any) -> Fig:
        self["layout"].setdefault("annotations", []).append(props)
        return self

    def _line(
        self,
        axis: str,
        value: float,
        line_dash: str | None,
        line_color: str | None,
        line_width: float,
        annotation_text: str | None,
    ) -> Fig:
        shape: dict[str, Any] = {
            "type": "line",
            "line": {
                "dash": line_dash or "solid",
                "color": line_color or NEUTRAL,
                "width": line_width,
            },
        }
        if axis == "h":
            shape.update(xref="paper", x0=0, x1=1, yref="y", y0=value, y1=value)
        else:
            shape.update(yref="paper", y0=0, y1=1, xref="x", x0=value, x1=value)
        self["layout"].setdefault("shapes", []).append(shape)
        if annotation_text:
            if axis == "h":
                self.add_annotation(
                    text=annotation_text,
                    xref="paper",
                    x=0,
                    yref="y",
                    y=value,
                    showarrow=False,
                    xanchor="left",
                    yanchor="bottom",
                    font={"size": 11, "color": line_color or NEUTRAL},
                )
            else:
                self.add_annotation(
                    text=annotation_text,
                    yref="paper",
                    y=1,
                    xref="x",
                    x=value,
                    showarrow=False,
                    xanchor="left",
                    yanchor="top",
                    font={"size": 11, "color": line_color or NEUTRAL},
                )
        return self

    def add_hline(
        self,
        y: float,
        *,
        line_dash: str | None = None,
        line_color: str | None = None,
        line_width: float = 1.5,
        annotation_text: str | None = None,
        annotation_position: str | None = None,
    ) -> Fig:
        return self._line("h", y, line_dash, line_color, line_width, annotation_text)

    def add_vline(
        self,
        x: float,
        *,
        line_dash: str | None = None,
        line_color: str | None = None,
        line_width: float = 1.5,
        annotation_text: str | None = None,
        annotation_position: str | None = None,
    ) -> Fig:
        return self._line("v", x, line_dash, line_color, line_width, annotation_text)


def _separators(lang: str) -> str:
    return ", " if lang == "ru" else ".,"


def _date_format(lang: str) -> str:
    return "%d.%m" if lang == "ru" else "%b %d"


def base(fig: Fig, lang: str, *, height: int = 320, legend: bool = True) -> Fig:
    # No named template: applying "plotly_white" costs ~120 ms per figure; the few
    # styles it gave are set here directly.
    axis = {
        "gridcolor": "#e9edf2",
        "zerolinecolor": "#cfd6df",
        "linecolor": "#cfd6df",
        "automargin": True,
    }
    fig.update_layout(
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        xaxis=dict(axis),
        yaxis=dict(axis),
        colorway=SERIES,
        separators=_separators(lang),
        height=height,
        margin={"l": 48, "r": 16, "t": 16, "b": 40},
        font={"family": "Inter, Segoe UI, Roboto, Arial, sans-serif", "size": 13},
        showlegend=legend,
        legend={"orientation": "h", "y": -0.18, "x": 0},
        hoverlabel={"font": {"size": 13}},
    )
    return fig


def _f(values: Any) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def empty_figure(message: str, lang: str, height: int = 240) -> Fig:
    fig = Fig()
    fig.add_annotation(
        text=message,
        showarrow=False,
        font={"size": 15, "color": NEUTRAL},
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return base(fig, lang, height=height, legend=False)


# ----------------------------------------------------------------------------- OKR


SPARK_W, SPARK_H, SPARK_PAD = 240, 90, 6


def sparkline_svg(actual: Sequence[float | None], target: Sequence[float | None]) -> str:
    """Monthly trend of one KR as a small SVG: the value as a line with dots, the target
    as a dotted step line; a month without a value breaks the line.

    An SVG image rather than a Plotly graph: the OKR page shows a dozen of them, and
    without any graph the page never has to download and start plotly.js, which was
    most of its first-load time.
    """
    n = max(len(actual), len(target))
    known = [v for v in (*actual, *target) if v is not None]
    if n == 0 or not known:
        return ""
    low, high = min(known), max(known)
    if high == low:
        low, high = low - 1, high + 1

    def x(i: int) -> float:
        return SPARK_PAD + (SPARK_W - 2 * SPARK_PAD) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return SPARK_PAD + (SPARK_H - 2 * SPARK_PAD) * (high - v) / (high - low)

    def runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
        out: list[list[tuple[int, float]]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                out.append([])
            else:
                out[-1].append((i, float(v)))
        return [r for r in out if r]

    parts = []
    for run in runs(target):
        d = f"M{x(run[0][0]):.1f} {y(run[0][1]):.1f}"
        for i, v in run[1:]:  # a step: across at the previous value, then up or down
            d += f" H{x(i):.1f} V{y(v):.1f}"
        parts.append(
            f'<path d="{d}" fill="none" stroke="{NEUTRAL}" stroke-width="1.5" '
            'stroke-dasharray="3 3"/>'
        )
    for run in runs(actual):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
        if len(run) > 1:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{SERIES[0]}" '
                'stroke-width="2.5" stroke-linejoin="round"/>'
            )
        parts += [
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{SERIES[0]}"/>' for i, v in run
        ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SPARK_W} {SPARK_H}" '
        f'width="{SPARK_W}" height="{SPARK_H}">' + "".join(parts) + "</svg>"
    )


# ----------------------------------------------------------------------------- SLA


def sla_heatmap(matrix: pl.DataFrame, lang: str) -> Fig:
    """Compliance tier x priority, one row per tier and metric; customdata for drill-down."""
    if matrix.height == 0:
        return empty_figure(t("empty.nodata", lang), lang)
    priorities = [
        p for p in ("critical", "high", "medium", "low") if p in set(matrix["priority"].to_list())
    ]
    rows: list[tuple[str, str]] = []
    for tier in ("premium", "professional", "standard"):
        for metric in ("first_response", "resolution"):
            if matrix.filter(
                (pl.col("support_tier") == tier) & (pl.col("metric") == metric)
            ).height:
                rows.append((tier, metric))
    z, text, custom = [], [], []
    lookup = {
        (r["support_tier"], r["priority"], r["metric"]): r for r in matrix.iter_rows(named=True)
    }
    for tier, metric in rows:
        zr, tr, cr = [], [], []
        for prio in priorities:
            r = lookup.get((tier, prio, metric))
            comp = None if r is None or r["compliance"] is None else float(r["compliance"])
            zr.append(None if comp is None else comp * 100)
            n = 0 if r is None else int(r["met"] + r["breached"])
            tr.append(f"{fmt.percent(comp, lang)}<br>n={fmt.number(n, lang)}")
            cr.append([tier, prio, metric])
        z.append(zr)
        text.append(tr)
        custom.append(cr)
    ylabels = [
        f"{i18n.label('tier', tier, lang)} · {i18n.label('metric', m, lang)}" for tier, m in rows
    ]
    xlabels = [i18n.label("prio", p, lang) for p in priorities]
    fig = Fig(
        _t(
            "heatmap",
            z=z,
            x=xlabels,
            y=ylabels,
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            colorscale=[[0, BAD], [0.5, "#f6c343"], [1, GOOD]],
            zmin=min([85.0] + [v for row in z for v in row if v is not None]),
            zmax=100,
            hovertemplate="%{y} · %{x}: %{z:.1f}%<extra></extra>",
            colorbar={"title": "%", "thickness": 10},
        )
    )
    fig = base(fig, lang, height=max(240, 44 * len(rows) + 60), legend=False)
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(margin={"l": 220, "r": 16, "t": 8, "b": 32})
    return fig


def sla_trend(daily: pl.DataFrame, targets: dict[str, float], lang: str) -> Fig:
    """Daily compliance per tier with each tier's target as a dashed line."""
    if daily.height == 0:
        return empty_figure(t("empty.nodata", lang), lang)
    fig = Fig()
    for tier in ("premium", "professional", "standard"):
        part = daily.filter(pl.col("support_tier") == tier).sort("day")
        if part.height == 0:
            continue
        colour = TIER_COLOURS[tier]
        days = part["day"].to_list()
        fig.add_trace(
            _t(
                "scatter",
                x=days,
                y=[None if v is None else float(v) * 100 for v in part["compliance"].to_list()],
                mode="lines+markers",
                name=i18n.label("tier", tier, lang),
                line={"color": colour, "width": 2},
                marker={"size": 6, "symbol": TIER_MARKERS.get(tier, "circle")},
                customdata=[[tier, d.isoformat()] for d in days],
                hovertemplate="%{x}: %{y:.1f}%<extra>"
                + i18n.label("tier", tier, lang)
                + "</extra>",
            )
        )
        if tier in targets:
            fig.add_trace(
                _t(
                    "scatter",
                    x=[days[0], days[-1]],
                    y=[targets[tier] * 100] * 2,
                    mode="lines",
                    name=f"{t('sla.target', lang)} · {i18n.label('tier', tier, lang)}",
                    line={"color": colour, "dash": "dash", "width": 1},
                    hoverinfo="skip",
                )
            )
    fig = base(fig, lang, height=340)
    fig.update_yaxes(title=t("chart.compliance_pct", lang), ticksuffix="%", rangemode="normal")
    fig.update_xaxes(title=t("chart.day", lang), tickformat=_date_format(lang))
    return fig


def distribution(hist: pl.DataFrame, metric: str, lang: str) -> Fig:
    """Completed clocks by the share of their target used (100 % = the target line)."""
    if hist.height == 0:
        return empty_figure(t("empty.nodata", lang), lang, height=260)
    buckets = [int(b) for b in hist["bucket"].to_list()]
    labels = [f"{b}–{b + 10}%" if b < 300 else "≥300%" for b in buckets]
    colours = [GOOD if b < 100 else BAD for b in buckets]
    fig = Fig(
        _t(
            "bar",
            x=[b + 5 for b in buckets],
            y=hist["n"].to_list(),
            marker_color=colours,
            customdata=[[b] for b in buckets],
            hovertext=labels,
            textposition="none",
            hovertemplate="%{hovertext}: %{y}<extra></extra>",
            name=t("sla.count", lang),
        )
    )
    fig.add_vline(
        x=100,
        line_dash="dash",
        line_color="#111",
        line_width=2,
        annotation_text=t("sla.target", lang) + " (100%)",
        annotation_position="top right",
    )
    fig = base(fig, lang, height=260, legend=False)
    fig.update_xaxes(title=f"% {t('sla.target', lang).lower()}", range=[0, 315], dtick=50)
    fig.update_yaxes(title=t("sla.count", lang))
    return fig


def breaches_bar(df: pl.DataFrame, dimension: str, lang: str) -> Fig:
    if df.height == 0:
        return empty_figure(t("empty.nodata", lang), lang, height=260)
    df = df.head(12).sort("breached")
    keys = [str(k) for k in df["key"].to_list()]
    rates = [
        (b / tot if tot else None)
        for b, tot in zip(df["breached"].to_list(), df["total"].to_list(), strict=False)
    ]
    fig = Fig(
        _t(
            "bar",
            y=[plain(i18n.breakdown_label(dimension, k, lang)) for k in keys],
            x=df["breached"].to_list(),
            orientation="h",
            marker_color=BAD,
            customdata=[[dimension, k] for k in keys],
            text=[
                f"{fmt.number(b, lang)} · {fmt.percent(r, lang)}"
                for b, r in zip(df["breached"].to_list(), rates, strict=False)
            ],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig = base(fig, lang, height=max(200, 28 * df.height + 60), legend=False)
    fig.update_layout(margin={"l": 120, "r": 16, "t": 8, "b": 32})
    return fig


# ----------------------------------------------------------------------------- people


def weekly_metric(
    weeks: Sequence[Any],
    values: Sequence[float | None],
    target: float | None,
    name: str,
    lang: str,
    share: bool = True,
    higher_better: bool = True,
) -> Fig:
    scale = 100 if share else 1
    fig = Fig(
        _t(
            "scatter",
            x=list(weeks),
            y=[None if v is None else float(v) * scale for v in values],
            mode="lines+markers",
            name=name,
            line={"color": SERIES[0], "width": 2},
        )
    )
    if target is not None:
        fig.add_hline(
            y=float(target) * scale,
            line_dash="dash",
            line_color=NEUTRAL,
            annotation_text=t("sla.target", lang),
            annotation_position="top left",
        )
    fig = base(fig, lang, height=200, legend=False)
    fig.update_layout(margin={"l": 40, "r": 8, "t": 8, "b": 28})
    fig.update_xaxes(tickformat=_date_format(lang))
    if share:
        fig.update_yaxes(ticksuffix="%")
    return fig


# ----------------------------------------------------------------------------- customers


def nps_chart(df: pl.DataFrame, lang: str) -> Fig:
    """NPS per wave and group; low-n groups drawn hatched and labelled."""
    if df.height == 0:
        return empty_figure(t("empty.nodata", lang), lang)
    fig = Fig()
    for i, grp in enumerate(sorted(set(df["grp"].to_list()))):
        part = df.filter(pl.col("grp") == grp).sort("wave")
        low = part["low_n"].to_list()
        fig.add_trace(
            _t(
                "bar",
                x=[plain(w) for w in part["wave"].to_list()],
                y=_f(part["nps"].to_list()),
                name=plain(i18n.label("tier", grp, lang)),
                marker={
                    "color": SERIES[i % len(SERIES)],
                    "pattern": {"shape": ["/" if x else "" for x in low]},
                },
                text=[
                    f"{fmt.number(v, lang)}{' *' if lw else ''}<br>n={n}"
                    for v, n, lw in zip(
                        part["nps"].to_list(), part["n"].to_list(), low, strict=False
                    )
                ],
                textposition="outside",
                customdata=part["n"].to_list(),
                hovertemplate="%{x} · "
                + str(plain(i18n.label("tier", grp, lang)))
                + ": %{y:.0f} · n=%{customdata}<extra></extra>",
            )
        )
    fig = base(fig, lang, height=340)
    # Many waves x groups make bars too narrow for their labels: Plotly hides the labels
    # that do not fit at a legible size rather than drawing them over each other (each
    # value and its n stay in the hover and in the table below).
    fig.update_layout(barmode="group", uniformtext={"minsize": 10, "mode": "hide"})
    fig.update_yaxes(title="NPS", range=[-100, 100])
    return fig


def csat_trend(df: pl.DataFrame, lang: str) -> Fig:
    """CSAT per month (the CSAT key result's month rows) against each month's target."""
    if df.height == 0:
        return empty_figure(t("empty.nodata", lang), lang)
    months = df["month"].to_list()
    fig = Fig(
        _t(
            "scatter",
            x=months,
            y=[float(v) * 100 for v in df["csat"].to_list()],
            mode="lines+markers+text",
            text=[fmt.percent(v, lang, 0) for v in df["csat"].to_list()],
            textposition="top center",
            name="CSAT",
            line={"color": SERIES[1], "width": 2.5},
            customdata=df["n"].to_list(),
            hovertemplate="%{x}: %{y:.1f}% (n=%{customdata})<extra></extra>",
        )
    )
    if df["target"].is_not_null().any():
        fig.add_trace(
            _t(
                "scatter",
                x=months,
                y=[None if v is None else float(v) * 100 for v in df["target"].to_list()],
                mode="lines",
                name=t("sla.target", lang),
                line={"color": NEUTRAL, "dash": "dash", "shape": "hv"},
            )
        )
    fig = base(fig, lang, height=300, legend=False)
    fig.update_yaxes(ticksuffix="%")
    fig.update_xaxes(type="category")
    return fig


def retention_chart(df: pl.DataFrame, lang: str) -> Fig:
    """Logo retention and net expansion per period, with the MRR components as bars."""
    if df.height == 0:
        return empty_figure(t("empty.nodata", lang), lang)
    periods = df["period"].to_list()
    fig = Fig()
    # expansion adds MRR, contraction and churn take it away: drawn below zero
    for part, sign, colour in (
        ("expansion", 1, GOOD),
        ("contraction", -1, WARN),
        ("churn", -1, BAD),
    ):
        fig.add_trace(
            _t(
                "bar",
                x=periods,
                y=[sign * float(v) * 100 for v in df[part].to_list()],
                name=t(f"cust.{part}", lang),
                marker_color=colour,
            )
        )
    fig.add_trace(
        _t(
            "scatter",
            x=periods,
            y=[float(v) * 100 for v in df["net_expansion"].to_list()],
            name=t("m.net_expansion", lang),
            mode="lines+markers+text",
            text=[fmt.percent(v, lang) for v in df["net_expansion"].to_list()],
            textposition="top center",
            line={"color": "#111", "width": 2},
        )
    )
    fig = base(fig, lang, height=320)
    fig.update_layout(barmode="relative")
    # Periods are labels ("2025-Q3"), not dates: a date axis repeats years and skips them.
    fig.update_xaxes(type="category", title=t("chart.period", lang))
    fig.update_yaxes(ticksuffix="%", title=t("chart.share_of_mrr", lang))
    return fig


# ----------------------------------------------------------------------------- revenue


def revenue_cumulative(months: pl.DataFrame, lang: str) -> Fig:
    """Support-attributed revenue year to date at each month's end against the month's
    target (the attributed_revenue key result's month rows, drawn as they are)."""
    months = months.filter(pl.col("ytd").is_not_null() | pl.col("target").is_not_null())
    if months.filter(pl.col("ytd").is_not_null()).height == 0:
        return empty_figure(t("empty.nodata", lang), lang)
    labels = months["month"].to_list()
    fig = Fig()
    fig.add_trace(
        _t(
            "scatter",
            x=labels,
            y=_f(months["ytd"].to_list()),
            name=t("m.attributed_revenue", lang),
            mode="lines+markers",
            line={"color": SERIES[0], "width": 3},
        )
    )
    if months["target"].is_not_null().any():
        fig.add_trace(
            _t(
                "scatter",
                x=labels,
                y=_f(months["target"].to_list()),
                name=t("okr.target", lang),
                mode="lines",
                line={"color": NEUTRAL, "dash": "dash"},
            )
        )
    fig = base(fig, lang, height=320)
    fig.update_xaxes(type="category", categoryorder="category ascending")
    fig.update_yaxes(tickprefix="$")
    return fig


def competitor_chart(df: pl.DataFrame, lang: str) -> Fig:
    if df.height == 0:
        return empty_figure(t("empty.nodata", lang), lang)
    # Names in the reader's language, as the deals grid beside it shows them (a code
    # the translations do not know stays as it is, as data).
    comp = [plain(i18n.label("competitor", c, lang)) for c in df["competitor"].to_list()]
    fig = Fig()
    fig.add_trace(
        _t(
            "bar",
            x=comp,
            y=[None if v is None else float(v) * 100 for v in df["win_rate"].to_list()],
            name=t("m.win_rate", lang),
            marker_color=SERIES[0],
        )
    )
    fig.add_trace(
        _t(
            "bar",
            x=comp,
            y=[None if v is None else float(v) * 100 for v in df["poc_conversion"].to_list()],
            name=t("m.poc_conversion", lang),
            marker_color=SERIES[2],
        )
    )
    fig = base(fig, lang, height=340)
    # Translated names are long ("без конкурента", "Microsoft Azure"): slanted tick
    # labels get the bottom margin (automargin) and the legend sits above the bars, so
    # neither is cut off nor drawn over the other.
    fig.update_layout(
        barmode="group", legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}
    )
    fig.update_xaxes(tickangle=-30)
    fig.update_yaxes(ticksuffix="%", range=[0, 105])
    return fig


def cost_chart(df: pl.DataFrame, target_usd: float | None, lang: str) -> Fig:
    """Cost per ticket: USD bars (left axis) and RUB line (right axis)."""
    if df.height == 0:
        return empty_figure(t("empty.nodata", lang), lang)
    months = df["month"].to_list()
    fig = Fig()
    fig.add_trace(
        _t(
            "bar",
            x=months,
            y=_f(df["cost_per_ticket_usd"].to_list()),
            name="USD",
            marker_color=SERIES[0],
            text=[fmt.money(v, lang, "USD", 2) for v in df["cost_per_ticket_usd"].to_list()],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.add_trace(
        _t(
            "scatter",
            x=months,
            y=_f(df["cost_per_ticket_rub"].to_list()),
            name="RUB",
            yaxis="y2",
            mode="lines+markers",
            line={"color": SERIES[3], "width": 2},
        )
    )
    if target_usd:
        # The target is a legend entry rather than a label on the line, which would sit
        # on top of the bars' own value labels.
        fig.add_trace(
            _t(
                "scatter",
                x=months,
                y=[target_usd] * len(months),
                name=f"{t('okr.target', lang)} {fmt.money(target_usd, lang)}",
                mode="lines",
                line={"color": BAD, "dash": "dash", "width": 1.5},
                hoverinfo="skip",
            )
        )
    fig = base(fig, lang, height=300)
    # Bars and line get bands of their own: the USD bars fill the lower part of the plot
    # with room above for their "outside" labels, the RUB line runs in the band above
    # them, so neither is cut off by the plot edge nor drawn over the other's labels;
    # automargin on the right axis keeps its tick labels and title inside the figure.
    usd = [v for v in _f(df["cost_per_ticket_usd"].to_list()) if v is not None]
    rub = [v for v in _f(df["cost_per_ticket_rub"].to_list()) if v is not None]
    usd_top = max([*usd, target_usd or 0, 1.0])
    rub_low, rub_high = (min(rub), max(rub)) if rub else (0.0, 1.0)
    rub_span = max(rub_high - rub_low, rub_high * 0.05, 1.0)
    fig.update_layout(
        yaxis={
            "tickprefix": "$",
            "title": {"text": t("chart.cost_usd", lang)},
            "range": [0, usd_top * 1.9],
        },
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "ticksuffix": " ₽",
            "tickformat": ",.0f",
            "showgrid": False,
            "automargin": True,
            "title": {"text": t("chart.cost_rub", lang)},
            "range": [rub_low - 3 * rub_span, rub_high + 0.4 * rub_span],
            "nticks": 4,
        },
        margin={"l": 56, "r": 56, "t": 24, "b": 40},
        legend={"orientation": "h", "y": -0.25, "x": 0},
    )
    fig.update_xaxes(type="category", title=t("chart.month", lang))
    return fig


def share_line(
    months: Sequence[str],
    shares: Sequence[float | None],
    target: float | None,
    name: str,
    lang: str,
) -> Fig:
    fig = Fig(
        _t(
            "scatter",
            x=list(months),
            y=[None if v is None else float(v) * 100 for v in shares],
            mode="lines+markers+text",
            text=[fmt.percent(v, lang, 0) for v in shares],
            textposition="top center",
            name=name,
            line={"color": SERIES[1], "width": 2.5},
        )
    )
    if target is not None:
        fig.add_hline(
            y=target * 100,
            line_dash="dash",
            line_color=NEUTRAL,
            annotation_text=t("okr.target", lang),
        )
    fig = base(fig, lang, height=260, legend=False)
    fig.update_yaxes(ticksuffix="%", rangemode="tozero")
    fig.update_xaxes(type="category")
    return fig


def simple_bars(
    x: Sequence[Any], y: Sequence[float | None], name: str, lang: str, decimals: int = 0
) -> Fig:
    fig = Fig(
        _t(
            "bar",
            x=list(x),
            y=_f(y),
            name=name,
            marker_color=SERIES[2],
            text=[fmt.number(v, lang, decimals) for v in y],
            textposition="outside",
        )
    )
    fig = base(fig, lang, height=260, legend=False)
    fig.update_xaxes(type="category")
    return fig
