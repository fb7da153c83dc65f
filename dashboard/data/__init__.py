"""Every query the dashboard runs, one module per page area (DESIGN s2, s8).

Rules this module keeps:
- It opens the published warehouse only, read-only, with short-lived connections: one
  per HTTP request (closed when the request ends), or one per call outside a request.
  A build replaces the file by atomic rename, so a request reads exactly one build.
- Every statement is parameterised (`con.execute(sql, params)`); no text from a user or
  an extract is ever formatted into SQL. Identifiers that vary (a breakdown dimension)
  come from fixed allow-lists in this module.
- Results are cached with flask-caching, keyed by the build id (`main.pulse_build`, or
  the file's mtime when that table is missing), the function, its arguments and the
  part of the viewer that changes the answer. No mutable module-level state.
- Access is enforced here: every public function takes the `viewer` and returns only
  what that role may see (DESIGN s8): names of engineers outside a lead's teams, of
  anyone but themselves for an engineer, and of anyone at all for the wall are never
  returned.
"""

from dashboard.data import whatif
from dashboard.data.connection import (
    BUILD_HEADER,
    CACHE_EXTENSION,
    METRICS,
    PRIORITIES,
    READER_EXTENSION,
    TICKET_LIST_LIMIT,
    TIERS,
    BrokenWarehouse,
    MissingMart,
    NoWarehouse,
    Reader,
    Session,
    check_readable,
    close_request_session,
    filter_value,
    init_app,
)
from dashboard.data.customers import (
    NPS_SPLITS,
    csat_monthly,
    nps_by_wave,
    retention,
    support_impact,
)
from dashboard.data.engineers import (
    DEFAULT_PERIOD,
    ENGINEER_METRICS,
    engineer_csv_rows,
    engineer_periods,
    engineer_profile,
    engineer_rows,
    engineer_table,
)
from dashboard.data.kr_breakdown import BREAKDOWNS as KR_BREAKDOWNS
from dashboard.data.kr_breakdown import kr_breakdown, kr_known
from dashboard.data.meta import METRIC_DOCS, build_info, filter_options, metric_descriptions
from dashboard.data.okr import (
    current_quarter,
    key_result,
    latest_complete_quarter,
    okr_progress,
    resolve_quarter,
)
from dashboard.data.periods import quarter_bounds, quarter_elapsed
from dashboard.data.quality import quality
from dashboard.data.revenue import (
    cost_monthly,
    credited_opportunities,
    deals_by_competitor,
    efficiency,
    revenue_ytd,
)
from dashboard.data.sla import (
    BREACH_DIMENSIONS,
    SLA_KEY_RESULTS,
    sla_breaches_by,
    sla_daily,
    sla_default_period,
    sla_distribution,
    sla_kr_period,
    sla_matrix,
    sla_period_row,
    sla_periods,
    sla_range_period,
    sla_tickets,
    sla_tier_period,
    sla_time_stats,
)
from dashboard.data.tickets import entity_exists, ticket_detail
from dashboard.data.vendor_sla import vendor_sla_comparison
from dashboard.data.visibility import Forbidden, Scope
from dashboard.data.wall import wall_snapshot

__all__ = [
    "BREACH_DIMENSIONS",
    "BUILD_HEADER",
    "CACHE_EXTENSION",
    "DEFAULT_PERIOD",
    "ENGINEER_METRICS",
    "KR_BREAKDOWNS",
    "METRICS",
    "METRIC_DOCS",
    "NPS_SPLITS",
    "PRIORITIES",
    "READER_EXTENSION",
    "SLA_KEY_RESULTS",
    "TICKET_LIST_LIMIT",
    "TIERS",
    "BrokenWarehouse",
    "Forbidden",
    "MissingMart",
    "NoWarehouse",
    "Reader",
    "Scope",
    "Session",
    "build_info",
    "check_readable",
    "close_request_session",
    "cost_monthly",
    "credited_opportunities",
    "csat_monthly",
    "current_quarter",
    "deals_by_competitor",
    "efficiency",
    "engineer_csv_rows",
    "engineer_periods",
    "engineer_profile",
    "engineer_rows",
    "engineer_table",
    "entity_exists",
    "filter_options",
    "filter_value",
    "init_app",
    "key_result",
    "kr_breakdown",
    "kr_known",
    "latest_complete_quarter",
    "metric_descriptions",
    "nps_by_wave",
    "okr_progress",
    "quality",
    "quarter_bounds",
    "quarter_elapsed",
    "resolve_quarter",
    "retention",
    "revenue_ytd",
    "sla_breaches_by",
    "sla_daily",
    "sla_default_period",
    "sla_distribution",
    "sla_kr_period",
    "sla_matrix",
    "sla_period_row",
    "sla_periods",
    "sla_range_period",
    "sla_tickets",
    "sla_tier_period",
    "sla_time_stats",
    "support_impact",
    "ticket_detail",
    "vendor_sla_comparison",
    "wall_snapshot",
    "whatif",
]
