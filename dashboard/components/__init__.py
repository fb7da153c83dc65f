"""Shared widgets: page shell (navbar, as-of badge, RU/EN switch), KPI tiles, status
pills, empty states, definition tooltips, filter bar and the exportable grid."""

from dashboard.components.context import Ctx, ctx, define, guard
from dashboard.components.filters import filter_bar, query_string
from dashboard.components.grid import csv_text, grid, link_column, neutralise
from dashboard.components.widgets import (
    asof_badge,
    card,
    chart_card,
    definition_icon,
    empty_state,
    kpi_tile,
    kr_tile,
    shell,
    status_pill,
)

__all__ = [
    "Ctx",
    "asof_badge",
    "card",
    "chart_card",
    "csv_text",
    "ctx",
    "define",
    "definition_icon",
    "empty_state",
    "filter_bar",
    "grid",
    "guard",
    "kpi_tile",
    "kr_tile",
    "link_column",
    "neutralise",
    "query_string",
    "shell",
    "status_pill",
]
