"""dash-ag-grid tables, links in them that cannot be injected, and CSV export that
cannot smuggle spreadsheet formulas.

Exports are produced on the server from the same data-layer call the page used (so a
role sees in a CSV exactly what it sees on screen), and every cell that starts with
`=`, `+`, `-` or `@` (or a tab / carriage return) is prefixed with `'` (DESIGN s3).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
from dash import dcc, html

from dashboard import i18n

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell(value: Any, lang: str) -> Any:
    """A cell as a spreadsheet in the reader's locale reads it: decimal comma in RU."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if lang == "ru" else text
    return neutralise(value)


def csv_text(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    *,
    lang: str = "en",
    period: Sequence[tuple[str, Any]] = (),
) -> str:
    """CSV with a header of column titles; `columns` = [(field, title)].

    Opens as columns in the reader's Excel: for Russian a UTF-8 byte-order mark (so
    Cyrillic is not read as cp1251), `;` between cells (Russian Excel's list separator)
    and a decimal comma; for English plain UTF-8, `,` and a decimal point (what other
    tools expect of a CSV). `period` = [(title, value)]
    columns repeated on every row, so a pasted or merged export still says what span
    it covers.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if lang == "ru" else ",", lineterminator="\r\n")
    writer.writerow(
        [neutralise(title) for title, _v in period] + [neutralise(t) for _f, t in columns]
    )
    fixed = [_cell(value, lang) for _t, value in period]
    for row in rows:
        writer.writerow(fixed + [_cell(row.get(f), lang) for f, _t in columns])
    return ("\ufeff" if lang == "ru" else "") + out.getvalue()


def link_column(
    field: str,
    header: str,
    prefix: str,
    *,
    id_field: str | None = None,
    query: Mapping[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A column whose cells link to `prefix` + the row's `id_field` (default: `field`).

    The link is built in the browser by the `PulseLink` renderer (assets/pulse.js):
    the id is percent-encoded into the path and the cell text stays text, so an id or
    a name from an extract can never become markup or point anywhere else. `prefix`
    is one of our own paths (a constant of the page), never data; `query` is the page's
    own filter state carried along (e.g. the teams page's period to an engineer). A
    ticket link also says which page it was opened from (`?from=<page>`, read from the
    browser's path), so the ticket page's navigation keeps that page highlighted.
    """
    if not prefix.startswith("/") or prefix.startswith("//"):
        raise ValueError(f"link prefix {prefix!r} is not a local path")
    params = {"prefix": prefix, "idField": id_field or field}
    clean = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    if clean:
        params["query"] = "?" + urlencode(clean)
    return {
        "field": field,
        "headerName": header,
        "cellRenderer": "PulseLink",
        "cellRendererParams": params,
        **extra,
    }


# Rough pixel widths of ag-grid's alpine theme at the dashboard's font size: a character
# of cell text, a character of (bold) header text, a cell's padding, and a header's
# padding plus its sort and filter-menu icons.
CELL_CHAR_PX = 7.5
HEADER_CHAR_PX = 8.5
CELL_PADDING_PX = 36
HEADER_CHROME_PX = 72
MIN_COLUMN_PX = 90
# A long text column (a subject, a file name) is cut beyond this, full text on hover.
MAX_AUTO_COLUMN_PX = 260
# Rows sampled for the widest value: enough to find a long name, cheap on a big grid.
WIDTH_SAMPLE_ROWS = 200
# The height of a grid with no rows: its header and the "no rows" line.
EMPTY_GRID_PX = 150


def _shown(value: Any) -> str:
    """About what a cell shows: numbers as the grid formats them (grouped, one decimal),
    not Python's repr with every digit of a float."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _min_width(col: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    """The narrowest a column may be squeezed by fitting the grid to its box: its longest
    header word unbroken, and its widest sampled value (up to a cap). Past the sum of
    these the grid scrolls sideways instead of cutting "Vistula Digi…" or wrapping a
    header mid-word ("Зачтен|о")."""
    words = str(col.get("headerName") or "").split()
    header_px = max((len(w) for w in words), default=0) * HEADER_CHAR_PX + HEADER_CHROME_PX
    field = col.get("field")
    values = (r.get(field) for r in rows[:WIDTH_SAMPLE_ROWS]) if field else ()
    longest = max((len(_shown(v)) for v in values if v is not None), default=0)
    cell_px = min(longest * CELL_CHAR_PX + CELL_PADDING_PX, MAX_AUTO_COLUMN_PX)
    return int(max(MIN_COLUMN_PX, header_px, cell_px))


def _fit_columns(column_defs: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict]:
    """Every header shows its full name on hover, a column of numbers is a numeric
    column (right-aligned, sorted as numbers), and no column is squeezed below its
    content (`_min_width`), whichever page built it."""
    out = []
    for col in column_defs:
        col = dict(col)
        if col.get("headerName") and "headerTooltip" not in col:
            col["headerTooltip"] = col["headerName"]
        if "children" in col:
            col["children"] = _fit_columns(col["children"], rows)
        else:
            if "type" not in col and col.get("field"):
                sample = next(
                    (r[col["field"]] for r in rows if r.get(col["field"]) is not None), None
                )
                if isinstance(sample, int | float) and not isinstance(sample, bool):
                    col["type"] = "numericColumn"
            if "width" not in col and "minWidth" not in col:
                col["minWidth"] = _min_width(col, rows)
            # a capped text cell shows its whole value on hover (a formatted cell's
            # raw value would not be what the reader sees, so it gets none)
            is_text = col.get("type") != "numericColumn" and "valueFormatter" not in col
            if col.get("field") and is_text:
                col.setdefault("tooltipField", col["field"])
        out.append(col)
    return out


def grid(
    grid_id: str,
    rows: list[dict[str, Any]],
    column_defs: list[dict[str, Any]],
    *,
    export_label: str | None = None,
    height: int = 420,
    row_class_rules: dict | None = None,
    no_rows: str | None = None,
    shrink_when_empty: bool = True,
) -> html.Div:
    """An ag-grid with sorting and filtering; an export button when a label is given.

    The export button's id is `{grid_id}-export` and its download `{grid_id}-download`;
    the page registers the callback that fills it from the data layer. A grid whose
    rows a callback fills later keeps its height (`shrink_when_empty=False`).
    """
    if not rows and shrink_when_empty:
        # an empty grid says so in a short box instead of leaving the card blank
        height = min(height, EMPTY_GRID_PX)
    table = dag.AgGrid(
        id=grid_id,
        rowData=rows,
        columnDefs=_fit_columns(column_defs, rows),
        # Headers wrap instead of being cut to "Acco…"; full names on hover.
        defaultColDef={
            "sortable": True,
            "filter": True,
            "resizable": True,
            "minWidth": 90,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        dashGridOptions={
            "animateRows": False,
            "tooltipShowDelay": 200,
            "suppressCellFocus": True,
            # The request's language (cookie / browser), like the rest of the page.
            "localeText": {"noRowsToShow": no_rows or i18n.t("eng.no_rows", i18n.current_lang())},
        },
        columnSize="responsiveSizeToFit",
        rowClassRules=row_class_rules or {},
        style={"height": f"{height}px", "width": "100%"},
        className="ag-theme-alpine",
    )
    lang = i18n.current_lang()
    tools: list[Any] = [
        html.Span(i18n.t("grid.rows", lang, n=len(rows)), className="muted grid-count")
    ]
    if export_label:
        tools += [
            html.Button("⤓ " + export_label, id=f"{grid_id}-export", className="btn"),
            dcc.Download(id=f"{grid_id}-download"),
        ]
    parts: list[Any] = [html.Div(tools, className="grid-tools"), table]
    return html.Div(parts, className="grid")
