"""dash-ag-grid tables, links in them that cannot be injected, and CSV export that
cannot smuggle spreadsheet formulas.

Exports are produced on the server from the same data-layer call the page used (so a
role sees in a CSV exactly what it sees on screen), and every cell that starts with
`=`, `+`, `-` or `@` (or a tab / carriage return) is prefixed with `'` (DESIGN s3).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboard import i18n

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """CSV with a header of column titles; `columns` = [(field, title)]."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(title) for _f, title in columns])
    for row in rows:
        writer.writerow([neutralise("" if row.get(f) is None else row.get(f)) for f, _t in columns])
    return out.getvalue()


def link_column(
    field: str, header: str, prefix: str, *, id_field: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A column whose cells link to `prefix` + the row's `id_field` (default: `field`).

    The link is built in the browser by the `PulseLink` renderer (assets/pulse.js):
    the id is percent-encoded into the path and the cell text stays text, so an id or
    a name from an extract can never become markup or point anywhere else. `prefix`
    is one of our own paths (a constant of the page), never data.
    """
    if not prefix.startswith("/") or prefix.startswith("//"):
        raise ValueError(f"link prefix {prefix!r} is not a local path")
    return {
        "field": field,
        "headerName": header,
        "cellRenderer": "PulseLink",
        "cellRendererParams": {"prefix": prefix, "idField": id_field or field},
        **extra,
    }


def grid(
    grid_id: str,
    rows: list[dict[str, Any]],
    column_defs: list[dict[str, Any]],
    *,
    export_label: str | None = None,
    height: int = 420,
    row_class_rules: dict | None = None,
    no_rows: str | None = None,
) -> html.Div:
    """An ag-grid with sorting and filtering; an export button when a label is given.

    The export button's id is `{grid_id}-export` and its download `{grid_id}-download`;
    the page registers the callback that fills it from the data layer.
    """
    table = dag.AgGrid(
        id=grid_id,
        rowData=rows,
        columnDefs=column_defs,
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "minWidth": 90},
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
    parts: list[Any] = [table]
    if export_label:
        parts.insert(
            0,
            html.Div(
                [
                    html.Button("⤓ " + export_label, id=f"{grid_id}-export", className="btn"),
                    dcc.Download(id=f"{grid_id}-download"),
                ],
                className="grid-tools",
            ),
        )
    return html.Div(parts, className="grid")
