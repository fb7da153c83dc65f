"""The request's settings, viewer and language, and the guard that turns data-layer
problems (no warehouse, an unreadable one, a missing mart, no access) into empty states
that say what to do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dashboard import access, data, i18n

SETTINGS_KEY = "PULSE_SETTINGS"


@dataclass(frozen=True)
class Ctx:
    settings: Any
    viewer: Any
    lang: str

    @property
    def tz(self) -> str:
        return getattr(self.settings, "timezone", "Europe/Moscow")


def ctx(lang: str | None = None) -> Ctx:
    from flask import current_app

    settings = current_app.config[SETTINGS_KEY]
    return Ctx(settings, access.current_viewer(), i18n.current_lang(lang))


def guard(c: Ctx, build: Callable[[], Any]) -> Any:
    """Run a layout builder; data-layer problems become an empty state."""
    from dashboard.components.widgets import empty_state

    try:
        return build()
    except data.NoWarehouse:
        return empty_state(i18n.t("empty.no_warehouse", c.lang), kind="setup")
    except data.BrokenWarehouse:
        return empty_state(i18n.t("empty.broken_warehouse", c.lang), kind="setup")
    except data.MissingMart as exc:
        return empty_state(i18n.t("empty.no_table", c.lang, table=exc.table), kind="setup")
    except (data.Forbidden, PermissionError):
        return empty_state(i18n.t("empty.forbidden", c.lang), kind="forbidden")


def define(c: Ctx, metric: str) -> str:
    """Hover text of a metric: the definition in the reader's language plus the dbt docs."""
    from dashboard import i18n

    try:
        docs = data.metric_descriptions(c.settings)
    except OSError:
        docs = {}
    return i18n.definition(metric, c.lang, docs)
