"""Per-engineer metric rules shared by the teams and engineer pages (pure)."""

from __future__ import annotations

DEFINITION_KEY = {
    "response_compliance": "first_response",
    "resolution_compliance": "resolution",
    "fcr": "fcr",
    "csat": "csat",
    "qa_score": "qa_score",
    "tickets_handled": "tickets_handled",
    "kb_articles": "kb_articles",
    "escalation_rate": "escalation_rate",
}


def cell_state(
    metric: str,
    value: float | None,
    target: float | None,
    target_max: float | None = None,
    band: float = 0.05,
) -> str | None:
    """good / warn / bad of a value against its target (pure)."""
    if value is None or target is None:
        return None
    value, target = float(value), float(target)
    if metric == "escalation_rate":  # lower is better, target is a maximum
        if value <= target:
            return "good"
        return "warn" if value <= target * (1 + band) + 0.01 else "bad"
    if metric == "tickets_handled":
        if target_max is not None and value > float(target_max) * 1.25:
            return "warn"  # well above the range: overloaded
        if value >= target:
            return "good"
        return "warn" if value >= target * 0.9 else "bad"
    if metric == "kb_articles":
        return "good" if value >= target else None
    if value >= target:
        return "good"
    return "warn" if value >= target * (1 - band) else "bad"
