"""What each digest says, read from the published marts for one recipient.

- `vp-weekly`: every key result of the quarter with its status and its change since the
  digest of a week before; the three biggest movers; SLA breaches and compliance by
  tier for the last complete ISO week, beside the week before.
- `lead-weekly`: each engineer of the lead's teams for that week against the targets of
  the engineer's tier (response and resolution compliance, FCR, CSAT, tickets handled,
  escalation rate); outliers (a metric `OUTLIER_POINTS` or more off target with at
  least `OUTLIER_MIN_N` observations); the week's breached tickets of those teams.
- `okr-quarterly`: every key result of the quarter with actual, target, status,
  projection and monthly trend; breaches and compliance by tier over the quarter.

Roles: a recipient is a `dashboard.access.Viewer`, and every engineer's name, row or
ticket goes through `may_name`, the one call of the dashboard's access rule here, so a
lead's digest holds only their teams' engineers and tickets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from dashboard import access, data
from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings

OUTLIER_POINTS = 10.0
OUTLIER_MIN_N = 5
BREACHED_TICKETS_SHOWN = 25
HISTORY_MIN_AGE_DAYS = 6
TIERS = data.TIERS
# (column, share?, higher is better) of the lead's engineer table
ENGINEER_COLUMNS = (
    ("response_compliance", True, True),
    ("resolution_compliance", True, True),
    ("fcr", True, True),
    ("csat", True, True),
    ("tickets_handled", False, True),
    ("escalation_rate", True, False),
)


def may_name(viewer: access.Viewer, engineer_id: str | None, team_id: str | None) -> bool:
    """The dashboard's access rule, called in this one place for every digest row."""
    return access.can_see_engineer(viewer, engineer_id, team_id)


@dataclass
class Digest:
    kind: str
    viewer: access.Viewer
    as_of: datetime  # UTC, naive, as in the warehouse
    start: date
    end: date
    krs: list[dict[str, Any]] = field(default_factory=list)
    has_history: bool = False
    movers: list[dict[str, Any]] = field(default_factory=list)
    tiers: list[dict[str, Any]] = field(default_factory=list)
    engineers: list[dict[str, Any]] = field(default_factory=list)
    outliers: list[dict[str, Any]] = field(default_factory=list)
    breached: list[dict[str, Any]] = field(default_factory=list)
    breached_total: int = 0
    team_names: list[str] = field(default_factory=list)
    period: str = ""


def last_week(as_of_day: date) -> tuple[date, date]:
    """The last ISO week (Monday to Sunday) that ended before the as-of day."""
    end = as_of_day - timedelta(days=as_of_day.isoweekday())
    return end - timedelta(days=6), end


def review_quarter(as_of_day: date) -> tuple[int, int]:
    """The quarter under review: the one holding the day before the as-of day, so a
    review run on 1 April looks back at Q1."""
    day = as_of_day - timedelta(days=1)
    return day.year, (day.month - 1) // 3 + 1


def _as_of(settings: Settings, viewer: access.Viewer) -> datetime:
    try:
        info = data.build_info(settings, viewer)
    except data.NoWarehouse:
        raise PulseError(
            f"no published warehouse at {settings.warehouse_path}: run `pulse load` and "
            "`pulse build` first"
        ) from None
    moment = info.get("as_of") or info.get("built_at")
    return moment or datetime.now(UTC).replace(tzinfo=None)


def _local_day(moment: datetime, tz: str) -> date:
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).date()


def _window(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """Local days [start, end] as UTC-naive instants [lo, hi)."""
    zone = ZoneInfo(tz)
    lo = datetime.combine(start, datetime.min.time(), zone)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), zone)
    return lo.astimezone(UTC).replace(tzinfo=None), hi.astimezone(UTC).replace(tzinfo=None)


def _connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": 1})
    con.execute("attach ? as wh (read_only)", [str(settings.warehouse_path)])
    con.execute("use wh")
    return con


def iso_week_label(day: date) -> str:
    """The ISO week label of a day as the period marts write it ('2025-W07')."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def quarter_label(year: int, quarter: int) -> str:
    """A quarter's label as the period marts write it ('2025-Q1')."""
    return f"{year}-Q{quarter}"


def _tiers(
    settings: Settings, viewer: access.Viewer, period: str, before: str | None
) -> list[dict]:
    """Per tier, the fct_sla_compliance_periods rows of `period` as they are (met,
    breached and compliance per metric, overall compliance, the tier's target and
    status) and the overall breaches of the period `before` (None: not shown). The
    digest adds nothing up: /sla and the OKR page read the same rows."""
    now = data.sla_tier_period(settings, viewer, period)
    earlier = data.sla_tier_period(settings, viewer, before) if before else None
    out = []
    for tier in TIERS:
        rows = {r["metric"]: r for r in now.filter(pl.col("support_tier") == tier).to_dicts()}
        overall = rows.get("overall", {})
        row: dict[str, Any] = {
            "tier": tier,
            "target": _share(overall.get("target_pct")),
            "status": overall.get("status", "no_data"),
            "overall": _share(overall.get("compliance_pct")),
            "breached": int(overall.get("breached_count") or 0),
        }
        for metric in data.METRICS:
            cut = rows.get(metric, {})
            row[metric] = {
                "met": int(cut.get("met_count") or 0),
                "breached": int(cut.get("breached_count") or 0),
                "compliance": _share(cut.get("compliance_pct")),
            }
        if earlier is not None:
            prior = earlier.filter(
                (pl.col("support_tier") == tier) & (pl.col("metric") == "overall")
            )
            row["breached_before"] = int(prior["breached_count"][0]) if prior.height else 0
        out.append(row)
    return out


def _share(pct: float | None) -> float | None:
    """A mart's percent (0-100) as the share the formatter takes."""
    return None if pct is None else float(pct) / 100.0


def _history_dir(out_dir: Path) -> Path:
    return out_dir / "history"


def _snapshot(out_dir: Path, day: date, period: str, krs: list[dict]) -> None:
    """Keep this digest's KR values so next week's digest can show the change."""
    folder = _history_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    values = {kr["kr_id"]: kr["actual"] for kr in krs}
    document = {"as_of_day": day.isoformat(), "period": period, "actual": values}
    (folder / f"kr-{day.isoformat()}.json").write_text(json.dumps(document), encoding="utf-8")


def _previous(out_dir: Path, day: date, period: str) -> dict[str, float | None] | None:
    """KR values of the newest snapshot at least HISTORY_MIN_AGE_DAYS older, same period."""
    folder = _history_dir(out_dir)
    if not folder.is_dir():
        return None
    latest = day - timedelta(days=HISTORY_MIN_AGE_DAYS)
    for path in sorted(folder.glob("kr-*.json"), reverse=True):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            snap_day = date.fromisoformat(document["as_of_day"])
        except (ValueError, KeyError, OSError):
            continue
        if snap_day <= latest:
            return document["actual"] if document.get("period") == period else None
    return None


def _krs(settings: Settings, viewer: access.Viewer, year: int, quarter: int) -> tuple[str, list]:
    try:
        result = data.okr_progress(settings, viewer, year, quarter)
    except data.MissingMart as exc:
        raise PulseError(
            f"the warehouse has no {exc.table} mart: rebuild it (`pulse build`)"
        ) from None
    return result["period"], result["krs"]


def _movers(krs: list[dict]) -> list[dict]:
    """The three KRs whose value moved most for their size (|change| / |target|)."""
    scored = [
        (abs(kr["change"]) / abs(kr["target"]), kr)
        for kr in krs
        if kr.get("change") not in (None, 0) and kr.get("target")
    ]
    return [kr for _score, kr in sorted(scored, key=lambda item: -item[0])[:3]]


def vp_weekly(settings: Settings, viewer: access.Viewer, out_dir: Path) -> Digest:
    as_of = _as_of(settings, viewer)
    day = _local_day(as_of, settings.timezone)
    start, end = last_week(day)
    year, quarter = (end.year, (end.month - 1) // 3 + 1)
    period, krs = _krs(settings, viewer, year, quarter)
    previous = _previous(out_dir, day, period)
    for kr in krs:
        before = None if previous is None else previous.get(kr["kr_id"])
        kr["change"] = None if before is None or kr.get("actual") is None else kr["actual"] - before
    _snapshot(out_dir, day, period, krs)
    digest = Digest("vp-weekly", viewer, as_of, start, end, krs=krs, period=period)
    digest.has_history = previous is not None
    digest.movers = _movers(krs)
    before = iso_week_label(start - timedelta(days=7))
    digest.tiers = _tiers(settings, viewer, iso_week_label(start), before)
    return digest


def okr_quarterly(settings: Settings, viewer: access.Viewer) -> Digest:
    as_of = _as_of(settings, viewer)
    year, quarter = review_quarter(_local_day(as_of, settings.timezone))
    start, after = data.quarter_bounds(year, quarter)
    end = after - timedelta(days=1)
    period, krs = _krs(settings, viewer, year, quarter)
    digest = Digest("okr-quarterly", viewer, as_of, start, end, krs=krs, period=period)
    # the quarter's row to date when the as-of falls inside it (is_partial)
    digest.tiers = _tiers(settings, viewer, quarter_label(year, quarter), None)
    return digest


# The week's fct_engineer_periods rows (one per engineer and metric; the teams and
# engineer pages read the same rows), with the engineer's name and team.
_ENGINEER_SQL = """
    select p.engineer_id::varchar as engineer_id, e.full_name, p.team_id::varchar as team_id,
           e.team_name, p.engineer_tier::varchar as engineer_tier, p.metric, p.value,
           p.denominator, p.unit, p.target, p.status
    from main.fct_engineer_periods p
    join main.dim_engineer e on e.engineer_id = p.engineer_id
    where p.period_kind = 'iso_week' and p.period_start = ?
    order by e.team_name, e.full_name, p.engineer_id
"""

IDENTITY = ("engineer_id", "full_name", "team_id", "team_name", "engineer_tier")
# the observations behind each metric of the table: the mart row's denominator
_N_KEYS = {
    "response_compliance": "response_n",
    "resolution_compliance": "resolution_n",
    "fcr": "solved_n",
    "csat": "csat_n",
    "escalation_rate": "escalation_n",
}


def engineer_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One digest row per engineer from the mart's rows per metric, values as they are
    (percent metrics as shares for the formatter), with each metric's target, status
    and observations (pure: mart rows in, table rows out)."""
    columns = {column for column, _share, _higher in ENGINEER_COLUMNS}
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        row = out.setdefault(
            r["engineer_id"],
            {
                k: r[k]
                for k in ("engineer_id", "full_name", "team_id", "team_name", "engineer_tier")
            },
        )
        metric = r["metric"]
        if metric not in columns:
            continue
        scale = 100.0 if r["unit"] == "pct" else 1.0
        row[metric] = None if r["value"] is None else float(r["value"]) / scale
        row[f"{metric}_target"] = None if r["target"] is None else float(r["target"]) / scale
        row[f"{metric}_status"] = r["status"]
        if metric in _N_KEYS:
            row[_N_KEYS[metric]] = r["denominator"]
    return list(out.values())


_BREACHED_SQL = """
    select o.ticket_id::varchar, o.support_tier, o.priority, o.metric, o.due_at,
           o.engineer_id::varchar, coalesce(o.team_id, t.team_id)::varchar, e.full_name
    from main.fct_sla_outcomes o
    left join main.fct_tickets t on t.ticket_id = o.ticket_id
    left join main.dim_engineer e on e.engineer_id = o.engineer_id
    where o.outcome = 'breached' and o.outcome_at >= ? and o.outcome_at < ?
    order by o.outcome_at, o.ticket_id, o.metric
"""


def _misses(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The row's metrics OUTLIER_POINTS or more on the wrong side of target."""
    out = []
    for column, share, higher in ENGINEER_COLUMNS:
        value, target = row.get(column), row.get(f"{column}_target")
        n = row.get(_N_KEYS.get(column, ""), OUTLIER_MIN_N)
        if value is None or target is None or not share or (n or 0) < OUTLIER_MIN_N:
            continue
        gap = (value - target) * 100.0 if higher else (target - value) * 100.0
        if gap <= -OUTLIER_POINTS:
            out.append({"metric": column, "value": value, "target": target, "gap": gap, "n": n})
    return out


def lead_weekly(settings: Settings, viewer: access.Viewer) -> Digest:
    as_of = _as_of(settings, viewer)
    start, end = last_week(_local_day(as_of, settings.timezone))
    digest = Digest("lead-weekly", viewer, as_of, start, end)
    con = _connect(settings)
    try:
        rows = engineer_rows(con.sql(_ENGINEER_SQL, params=[start]).pl().to_dicts())
        lo, hi = _window(start, end, settings.timezone)
        tickets = con.execute(_BREACHED_SQL, [lo, hi]).fetchall()
    except duckdb.CatalogException as exc:
        raise PulseError(
            f"the warehouse lacks a mart the digest reads ({exc}): rebuild it (`pulse build`)"
        ) from None
    finally:
        con.close()
    digest.engineers = [r for r in rows if may_name(viewer, r["engineer_id"], r["team_id"])]
    digest.team_names = sorted({r["team_name"] for r in digest.engineers if r["team_name"]})
    for row in digest.engineers:
        for miss in _misses(row):
            digest.outliers.append({"engineer": row["full_name"], **miss})
    names = ("ticket_id", "tier", "priority", "metric", "due_at", "engineer_id", "team_id")
    visible = [
        {**dict(zip(names, t[:7], strict=True)), "engineer": t[7]}
        for t in tickets
        if may_name(viewer, t[5], t[6])
    ]
    digest.breached_total = len(visible)
    digest.breached = visible[:BREACHED_TICKETS_SHOWN]
    return digest


def build(kind: str, settings: Settings, viewer: access.Viewer, out_dir: Path) -> Digest:
    if kind == "vp-weekly":
        return vp_weekly(settings, viewer, out_dir)
    if kind == "lead-weekly":
        return lead_weekly(settings, viewer)
    return okr_quarterly(settings, viewer)
