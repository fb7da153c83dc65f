"""What the build is (id, as-of), metric descriptions from the dbt manifest, filter options."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dashboard.data.connection import TIERS, Session, _cache, _run


def build_info(settings: Any, viewer: Any) -> dict[str, Any]:
    """The build this request reads: id, as_of, built_at, age in minutes, stale flag."""

    def q(sess: Session) -> dict[str, Any]:
        return {"build_id": sess.build_id, "as_of": sess.as_of, "built_at": sess.built_at}

    info = _run(settings, "build_info", (), "all", q)
    info = dict(info)
    now = datetime.now(UTC).replace(tzinfo=None)
    ref = info.get("as_of") or info.get("built_at")
    info["age_minutes"] = None if ref is None else (now - ref).total_seconds() / 60.0
    stale_after = getattr(settings, "stale_after_minutes", 15)
    info["stale"] = info["age_minutes"] is not None and info["age_minutes"] > stale_after
    return info


# Where each metric is documented in the dbt project: (model, column).
METRIC_DOCS = {
    "sla_compliance": ("fct_sla_daily", "compliance"),
    "first_response": ("fct_tickets", "first_response_at"),
    "resolution": ("fct_tickets", "solved_at"),
    "fcr": ("fct_tickets", "is_fcr"),
    "escalation_rate": ("fct_engineer_weeks", "escalation_rate_pct"),
    "csat": ("fct_csat_responses", "is_satisfied"),
    "nps": ("fct_nps_waves", "nps"),
    "retention": ("fct_retention", "logo_retention_pct"),
    "net_expansion": ("fct_retention", "net_expansion_pct"),
    "attributed_revenue": ("fct_opportunities", "attributed_revenue_usd"),
    "cost_per_ticket": ("fct_cost_per_ticket", "cost_per_ticket_usd"),
    "automation_share": ("fct_cost_per_ticket", "automation_share_pct"),
    "qa_score": ("fct_engineer_weeks", "qa_score"),
    "tickets_handled": ("fct_engineer_weeks", "tickets_handled"),
    "kb_articles": ("fct_engineer_weeks", "kb_articles_quarter_to_date"),
    "win_rate": ("fct_opportunities", "is_won"),
    "poc_conversion": ("fct_opportunities", "is_poc_won"),
}


def _manifest_path(settings: Any) -> Path | None:
    """The dbt manifest of the last build (`pulse build` writes it under the data dir),
    else one from `make docs` in the project."""
    candidates = [Path(settings.data_dir) / "dbt" / "target" / "manifest.json"]
    try:
        from warehouse.core.settings import DBT_PROJECT_DIR

        candidates.append(Path(DBT_PROJECT_DIR) / "target" / "manifest.json")
    except ImportError:  # pragma: no cover
        pass
    return next((c for c in candidates if c.is_file()), None)


def metric_descriptions(settings: Any) -> dict[str, str]:
    """metric -> its column description in the dbt docs (empty when no manifest)."""
    manifest = _manifest_path(settings)
    if manifest is None:
        return {}
    cache = _cache()
    key = f"pulse:manifest:{manifest}:{manifest.stat().st_mtime_ns}"
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            return hit
    out: dict[str, str] = {}
    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
        columns = {
            (node.get("name"), col): (spec or {}).get("description") or ""
            for node in nodes.values()
            if node.get("resource_type") == "model"
            for col, spec in (node.get("columns") or {}).items()
        }
        for metric, where in METRIC_DOCS.items():
            if columns.get(where):
                out[metric] = f"dbt {where[0]}.{where[1]}: {columns[where]}"
    except (OSError, ValueError):
        return {}
    if cache is not None:
        cache.set(key, out)
    return out


def filter_options(settings: Any, viewer: Any) -> dict[str, list[str]]:
    """Values for the global filters: years with OKR data, tiers, regions, segments."""

    def q(sess: Session) -> dict[str, list[str]]:
        def values(sql: str) -> list[str]:
            return [str(r[0]) for r in sess.con.execute(sql).fetchall()]

        return {
            "years": values(
                "select distinct fiscal_year from main.fct_okr_progress order by fiscal_year"
            ),
            "regions": values(
                "select distinct region from main.dim_account where region is not null order by 1"
            ),
            "segments": values(
                "select distinct segment from main.dim_account where segment is not null order by 1"
            ),
            "tiers": list(TIERS),
        }

    return _run(settings, "filter_options", (), "all", q)
