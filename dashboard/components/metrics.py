"""What the teams and engineer pages share about per-engineer metrics (pure)."""

from __future__ import annotations

DEFINITION_KEY = {
    "response_compliance": "first_response",
    "resolution_compliance": "resolution",
    # the engineer's FCR is first-contact resolution of their own solves, not the org's
    "fcr": "engineer_fcr",
    "csat": "csat",
    "qa_score": "qa_score",
    "tickets_handled": "tickets_handled",
    "kb_articles": "kb_articles",
    "escalation_rate": "escalation_rate",
}


# A mart status as the colour class of a grid cell (the glyph and words come with it):
# the status itself is the mart's (dbt macro metric_status), never re-derived here.
STATE_OF_STATUS = {"on_track": "good", "at_risk": "warn", "off_track": "bad"}
