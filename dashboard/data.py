"""Every query the dashboard runs, in one place (DESIGN s2, s8).

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

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

CACHE_EXTENSION = "pulse_cache"
READER_EXTENSION = "pulse_reader"
BUILD_HEADER = "X-Pulse-Build"
TICKET_LIST_LIMIT = 500

TIERS = ("premium", "professional", "standard")
PRIORITIES = ("critical", "high", "medium", "low")
METRICS = ("first_response", "resolution")

# DESIGN s4 tier targets (overall SLA compliance); used when the warehouse has no
# reference table carrying them.
DEFAULT_TIER_SLA_TARGETS = {"premium": 0.985, "professional": 0.97, "standard": 0.96}


class NoWarehouse(Exception):
    """The published warehouse file does not exist yet."""


class MissingMart(Exception):
    """A mart the page needs is not in the published warehouse."""

    def __init__(self, table: str):
        super().__init__(table)
        self.table = table


class Forbidden(Exception):
    """The viewer may not see what was asked for."""


# ----------------------------------------------------------------------------- access


@dataclass(frozen=True)
class Scope:
    """The part of a viewer that changes query results (goes into cache keys)."""

    role: str
    engineer_id: str | None
    team_ids: tuple[str, ...]

    def key(self) -> str:
        return f"{self.role}|{self.engineer_id or ''}|{','.join(self.team_ids)}"


def scope_of(viewer: Any) -> Scope:
    role = str(getattr(viewer, "role", "wall") or "wall")
    engineer_id = getattr(viewer, "engineer_id", None)
    team_ids = tuple(sorted(str(t) for t in (getattr(viewer, "team_ids", None) or ())))
    return Scope(role, None if engineer_id is None else str(engineer_id), team_ids)


def can_see_engineer(viewer: Any, engineer_id: object, team_id: object) -> bool:
    """May this viewer see this engineer's own numbers and name? (DESIGN s8)."""
    try:
        from dashboard import auth
    except ImportError:
        auth = None  # type: ignore[assignment]
    if auth is not None and hasattr(auth, "can_see_engineer") and hasattr(viewer, "username"):
        return bool(
            auth.can_see_engineer(
                viewer,
                None if engineer_id is None else str(engineer_id),
                None if team_id is None else str(team_id),
            )
        )
    s = scope_of(viewer)
    if s.role == "vp":
        return True
    if s.role == "lead":
        return team_id is not None and str(team_id) in s.team_ids
    if s.role == "engineer":
        return engineer_id is not None and str(engineer_id) == s.engineer_id
    return False


def may_see_names(viewer: Any) -> bool:
    return scope_of(viewer).role != "wall"


def _visible_engineer_ids(con: duckdb.DuckDBPyConnection, viewer: Any) -> set[str] | None:
    """Engineer ids whose personal numbers the viewer may see; None means all."""
    s = scope_of(viewer)
    if s.role == "vp":
        return None
    if s.role == "engineer":
        return {s.engineer_id} if s.engineer_id else set()
    if s.role == "lead" and s.team_ids:
        rows = con.execute(
            "select cast(engineer_id as varchar) from main.dim_engineer "
            "where cast(team_id as varchar) in (select unnest(?))",
            [list(s.team_ids)],
        ).fetchall()
        return {r[0] for r in rows}
    return set()


# ----------------------------------------------------------------------------- sessions


@dataclass
class Session:
    con: duckdb.DuckDBPyConnection
    build_id: str
    as_of: datetime | None
    built_at: datetime | None
    release: Callable[[], None] | None = None

    def close(self) -> None:
        if self.release is not None:
            self.release()
        else:
            self.con.close()


def _attach(path: Path) -> Session:
    """A new in-memory DuckDB with the published file attached read-only as `wh`.

    Attaching from an in-memory instance (rather than `duckdb.connect(path)`) sidesteps
    DuckDB's per-path instance cache, which would keep serving the old file after a
    build renamed a new one into place for as long as any connection to it is open.
    """
    if not path.is_file():
        raise NoWarehouse(str(path))
    stat_before = path.stat()
    con = duckdb.connect(config={"threads": 2})
    try:
        con.execute("attach ? as wh (read_only)", [str(path)])
    except duckdb.IOException as exc:  # replaced or removed between the check and the open
        con.close()
        if not path.is_file():
            raise NoWarehouse(str(path)) from exc
        raise
    con.execute("use wh")
    build_id, as_of, built_at = f"mtime-{stat_before.st_mtime_ns}", None, None
    try:
        row = _first(
            con.execute(
                "select build_id, as_of, built_at from main.pulse_build "
                "order by built_at desc limit 1"
            ).fetchall()
        )
        if row:
            build_id, as_of, built_at = str(row[0]), row[1], row[2]
    except duckdb.Error:
        pass  # older or hand-made warehouse: the file's mtime identifies it
    return Session(con, build_id, as_of, built_at)


class Reader:
    """Per-process handle on the published warehouse (lives in `app.extensions`).

    Attaching costs tens of milliseconds, so the attached instance is kept while the
    file stays the same (same inode, mtime and size) and each request works on its own
    cursor. When a build renames a new file into place, the next request attaches the
    new one; the old instance is retired and closed once the last request still reading
    it has finished, so every request reads exactly one build, whole.
    """

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._current: Session | None = None
        self._active: dict[int, int] = {}  # id(base session) -> cursors in use
        self._retired: dict[int, Session] = {}

    def session(self, path: Path) -> Session:
        try:
            st = path.stat()
        except FileNotFoundError as exc:
            raise NoWarehouse(str(path)) from exc
        key = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._key != key or self._current is None:
                fresh = _attach(path)
                old, self._current, self._key = self._current, fresh, key
                if old is not None:
                    self._retire(old)
            base = self._current
            cursor = base.con.cursor()
            self._active[id(base)] = self._active.get(id(base), 0) + 1
        cursor.execute("use wh")
        sess = Session(cursor, base.build_id, base.as_of, base.built_at)
        sess.release = lambda: self._release(base, cursor)
        return sess

    def _retire(self, old: Session) -> None:
        if self._active.get(id(old), 0) == 0:
            self._active.pop(id(old), None)
            old.con.close()
        else:
            self._retired[id(old)] = old

    def _release(self, base: Session, cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.close()
        with self._lock:
            left = self._active.get(id(base), 1) - 1
            self._active[id(base)] = left
            if left == 0 and id(base) in self._retired:
                self._retired.pop(id(base)).con.close()
                self._active.pop(id(base), None)

    def close(self) -> None:
        with self._lock:
            for sess in [self._current, *self._retired.values()]:
                if sess is not None:
                    sess.con.close()
            self._current, self._key = None, None
            self._retired.clear()
            self._active.clear()


def _session(settings: Any) -> tuple[Session, bool]:
    """(session, owned): the request's session, or a fresh one the caller closes."""
    try:
        from flask import current_app, g, has_request_context
    except ImportError:  # pragma: no cover
        has_request_context = lambda: False  # noqa: E731
    if has_request_context():
        sess = g.get("_pulse_session")
        if sess is None:
            reader = current_app.extensions.get(READER_EXTENSION)
            path = Path(settings.warehouse_path)
            sess = reader.session(path) if reader is not None else _attach(path)
            g._pulse_session = sess
            g.pulse_build = sess.build_id
        return sess, False
    return _attach(Path(settings.warehouse_path)), True


def close_request_session(_exc: object = None) -> None:
    from flask import g

    sess = g.pop("_pulse_session", None)
    if sess is not None:
        sess.close()


def init_app(server: Any, settings: Any, cache_config: dict | None = None) -> None:
    """Attach the result cache, the warehouse reader and per-request sessions to Flask."""
    from flask import g
    from flask_caching import Cache

    config = cache_config or {
        "CACHE_TYPE": "SimpleCache",
        "CACHE_DEFAULT_TIMEOUT": 3600,
        "CACHE_THRESHOLD": 2000,
    }
    cache = Cache(config=config)
    cache.init_app(server)
    server.extensions[CACHE_EXTENSION] = cache
    server.extensions[READER_EXTENSION] = Reader()
    server.teardown_request(close_request_session)

    @server.after_request
    def _build_header(response):
        build = g.get("pulse_build")
        if build:
            response.headers[BUILD_HEADER] = build
        return response


def _cache() -> Any | None:
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover
        return None
    if not has_app_context():
        return None
    return current_app.extensions.get(CACHE_EXTENSION)


def _run(settings: Any, name: str, args: tuple, scope: str, fn: Callable[[Session], Any]) -> Any:
    """Run `fn` on the request's build, through the cache keyed by that build."""
    sess, owned = _session(settings)
    try:
        cache = _cache()
        key = f"pulse:{sess.build_id}:{name}:{scope}:{json.dumps(args, default=str)}"
        if cache is not None:
            hit = cache.get(key)
            if hit is not None:
                return hit
        try:
            result = fn(sess)
        except duckdb.CatalogException as exc:
            raise MissingMart(_missing_table(str(exc))) from exc
        if cache is not None:
            cache.set(key, result)
        return result
    finally:
        if owned:
            sess.con.close()


def _missing_table(message: str) -> str:
    # "Catalog Error: Table with name fct_x does not exist!"
    marker = "name "
    if marker in message:
        return message.split(marker, 1)[1].split(" ", 1)[0].strip()
    return "?"


def _first(rows: list[tuple]) -> tuple | None:
    return rows[0] if rows else None


def _df(sess: Session, sql: str, params: Iterable[Any] = ()) -> pl.DataFrame:
    df = sess.con.sql(sql, params=list(params)).pl()
    # SUM over integers arrives as DECIMAL(38,0); the dashboard works in floats.
    decimals = [name for name, dtype in df.schema.items() if isinstance(dtype, pl.Decimal)]
    return df.with_columns(pl.col(decimals).cast(pl.Float64)) if decimals else df


def _has_table(sess: Session, table: str, schema: str = "main") -> bool:
    row = _first(
        sess.con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    )
    return bool(row and row[0])


def _columns(sess: Session, table: str, schema: str = "main") -> set[str]:
    rows = sess.con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {r[0] for r in rows}


# ----------------------------------------------------------------------------- helpers


def _tz(settings: Any) -> ZoneInfo:
    return ZoneInfo(getattr(settings, "timezone", "Europe/Moscow") or "Europe/Moscow")


def _utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _opt(value: str | None) -> str | None:
    """Filter values: '', 'all' and None mean no filter."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "all", "*") else text


def quarter_bounds(year: int, quarter: int | None) -> tuple[date, date]:
    """First day of the period and the first day after it (whole year when no quarter)."""
    if not quarter:
        return date(year, 1, 1), date(year + 1, 1, 1)
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def quarter_elapsed(as_of: datetime | None, year: int, quarter: int | None, tz: ZoneInfo) -> float:
    """Share of the period that has passed at the warehouse's as-of moment (0..1)."""
    if as_of is None:
        return 0.0
    local = as_of.replace(tzinfo=UTC).astimezone(tz) if as_of.tzinfo is None else as_of
    start, end = quarter_bounds(year, quarter)
    total = (end - start).days
    done = (local.date() - start).days + local.hour / 24.0
    return max(0.0, min(1.0, done / total))


# ----------------------------------------------------------------------------- build info


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
        from warehouse.settings import DBT_PROJECT_DIR

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


# ----------------------------------------------------------------------------- filters


def filter_options(settings: Any, viewer: Any) -> dict[str, list[str]]:
    """Values for the global filters: years with OKR data, tiers, regions, segments."""

    def q(sess: Session) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {
            "years": [],
            "regions": [],
            "segments": [],
            "tiers": list(TIERS),
        }
        if _has_table(sess, "fct_okr_progress"):
            rows = sess.con.execute(
                "select distinct cast(left(period, 4) as integer) y from main.fct_okr_progress "
                "where period is not null order by y"
            ).fetchall()
            out["years"] = [str(r[0]) for r in rows]
        if _has_table(sess, "dim_account"):
            out["regions"] = [
                r[0]
                for r in sess.con.execute(
                    "select distinct region from main.dim_account "
                    "where region is not null order by 1"
                ).fetchall()
            ]
            out["segments"] = [
                r[0]
                for r in sess.con.execute(
                    "select distinct segment from main.dim_account "
                    "where segment is not null order by 1"
                ).fetchall()
            ]
        return out

    return _run(settings, "filter_options", (), "all", q)


# ----------------------------------------------------------------------------- OKR


def okr_progress(
    settings: Any,
    viewer: Any,
    year: int,
    quarter: int | None,
    tier: str | None = None,
    region: str | None = None,
    segment: str | None = None,
) -> dict[str, Any]:
    """Key results for the period with their monthly trend, for the global filters.

    fct_okr_progress carries breakdown rows (dim_tier / dim_segment / dim_region, 'all'
    for the total) for KRs that have one: with at most one filter those rows are read
    as they are. With two or more filters, the KRs computable from the facts are
    recomputed (`okr_filtered`). KRs without a breakdown keep their total and are
    flagged `unfiltered`.

    Returns {"period": str, "krs": [ {kr_id, objective_id, objective, key_result, unit,
    direction, actual, target, status, projection, projected_status, is_low_n,
    denominator, unfiltered, monthly: [{period, actual, target}]} ]}. Percent KRs are in
    percent (0-100), as in the mart.
    """
    tier, region, segment = _opt(tier), _opt(region), _opt(segment)
    period = f"{year}-Q{quarter}" if quarter else str(year)
    chosen = [v for v in (tier, region, segment) if v]

    def q(sess: Session) -> dict[str, Any]:
        if not _has_table(sess, "fct_okr_progress"):
            raise MissingMart("fct_okr_progress")
        # The trend runs from January to the end of the chosen quarter.
        months = [f"{year}-{m:02d}" for m in range(1, 13)]
        if quarter:
            months = months[: 3 * quarter]
        dims = (
            [tier or "all", segment or "all", region or "all"]
            if len(chosen) <= 1
            else ["all", "all", "all"]
        )
        cols = (
            "kr_id, objective_id, objective, key_result, period, actual, target, unit, "
            "direction, status, projection, projected_status, is_low_n, denominator"
        )
        rows = _df(
            sess,
            f"select {cols}, (dim_tier, dim_segment, dim_region) = (?, ?, ?) as exact "
            "from main.fct_okr_progress where period in (select unnest(?)) "
            "and ((dim_tier, dim_segment, dim_region) = (?, ?, ?) "
            "or (dim_tier = 'all' and dim_segment = 'all' and dim_region = 'all'))",
            [*dims, [period, *months], *dims],
        )
        # Prefer the exact breakdown row; fall back to the total (flagged unfiltered).
        rows = rows.sort("exact", descending=True).unique(["kr_id", "period"], keep="first")
        current = rows.filter(pl.col("period") == period).sort(["objective_id", "kr_id"])
        krs = []
        for row in current.iter_rows(named=True):
            series = (
                rows.filter((pl.col("kr_id") == row["kr_id"]) & (pl.col("period") != period))
                .sort("period")
                .select("period", "actual", "target")
            )
            row["unfiltered"] = bool(chosen) and not row.pop("exact")
            row.pop("exact", None)
            row["monthly"] = series.to_dicts()
            krs.append(row)
        return {"krs": krs, "period": period}

    result = _run(
        settings, "okr_progress", (year, quarter, *dims_key(tier, region, segment)), "all", q
    )
    if len(chosen) > 1:
        result = _apply_recomputed(settings, viewer, result, year, quarter, tier, region, segment)
    return result


def dims_key(*values: str | None) -> tuple[str, ...]:
    return tuple(v or "all" for v in values)


def _apply_recomputed(
    settings: Any,
    viewer: Any,
    result: dict[str, Any],
    year: int,
    quarter: int | None,
    tier: str | None,
    region: str | None,
    segment: str | None,
) -> dict[str, Any]:
    """Replace the totals of recomputable KRs by their value for a filter combination."""
    recomputed = okr_filtered(settings, viewer, year, quarter, tier, region, segment)
    krs = []
    for kr in result["krs"]:
        kr = dict(kr)
        fresh = recomputed.get(kr["kr_id"])
        if fresh is None:
            kr["unfiltered"] = True
        else:
            kr["actual"] = fresh["actual"]
            kr["status"] = okr_status(fresh["actual"], kr["target"], kr["direction"])
            kr["projection"] = None
            kr["projected_status"] = None
            kr["unfiltered"] = False
            kr["monthly"] = [
                {
                    "period": m["period"],
                    "actual": fresh["monthly"].get(m["period"]),
                    "target": m["target"],
                }
                for m in kr["monthly"]
            ]
        krs.append(kr)
    return {"krs": krs, "period": result["period"]}


def okr_status(
    actual: float | None, target: float | None, direction: str | None, band_pct: float = 5.0
) -> str:
    """DESIGN s4: on track at target, at risk within the amber band, else off track."""
    if actual is None or target is None:
        return "no_data"
    band = abs(target) * band_pct / 100.0
    if direction == "lower":
        if actual <= target:
            return "on_track"
        return "at_risk" if actual <= target + band else "off_track"
    if actual >= target:
        return "on_track"
    return "at_risk" if actual >= target - band else "off_track"


def okr_filtered(
    settings: Any,
    viewer: Any,
    year: int,
    quarter: int | None,
    tier: str | None,
    region: str | None,
    segment: str | None,
) -> dict[str, dict[str, Any]]:
    """Actuals of the filterable KRs recomputed from the facts for tier/region/segment.

    Returns {kr_id: {"actual": float|None, "n": int, "monthly": {"YYYY-MM": float}}}.
    Shares are returned in percent (0-100), like the OKR mart's targets.
    """
    tier, region, segment = _opt(tier), _opt(region), _opt(segment)
    start, end = quarter_bounds(year, quarter)
    args = (year, quarter, tier, region, segment)

    def acct_filter(alias: str) -> tuple[str, list[Any]]:
        if not region and not segment:
            return "", []
        clauses, params = [], []
        if region:
            clauses.append("a.region = ?")
            params.append(region)
        if segment:
            clauses.append("a.segment = ?")
            params.append(segment)
        return (
            f" and {alias}.account_id in (select a.account_id from main.dim_account a where "
            + " and ".join(clauses)
            + ")",
            params,
        )

    def q(sess: Session) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        tz = getattr(settings, "timezone", "Europe/Moscow")

        def monthly_ratio(kr: str, sql: str, params: list[Any]) -> None:
            df = _df(sess, sql, params)
            total_num = float(df["num"].sum() or 0) if df.height else 0.0
            total_den = float(df["den"].sum() or 0) if df.height else 0.0
            out[kr] = {
                "actual": (100.0 * total_num / total_den) if total_den else None,
                "n": int(total_den),
                "monthly": {
                    r["month"]: (100.0 * r["num"] / r["den"] if r["den"] else None)
                    for r in df.iter_rows(named=True)
                },
            }

        # SLA compliance (from the per-ticket outcomes, so region/segment can apply).
        t_acct, t_params = acct_filter("t")
        tier_sql = " and o.support_tier = ?" if tier else ""
        tier_p = [tier] if tier else []
        for kr, metric in (
            ("first_response_sla", "first_response"),
            ("resolution_sla", "resolution"),
            ("sla_compliance", None),
        ):
            metric_sql = " and o.metric = ?" if metric else ""
            metric_p = [metric] if metric else []
            monthly_ratio(
                kr,
                "select strftime(timezone(?, timezone('UTC', o.outcome_at)), '%Y-%m') as month, "
                "count(*) filter (where o.outcome = 'met') as num, "
                "count(*) filter (where o.outcome in ('met', 'breached')) as den "
                "from main.fct_sla_outcomes o join main.fct_tickets t using (ticket_id) "
                "where o.outcome_at >= ? and o.outcome_at < ?"
                + metric_sql
                + tier_sql
                + t_acct
                + " group by 1 order by 1",
                [
                    tz,
                    _utc_naive(datetime.combine(start, datetime.min.time())),
                    _utc_naive(datetime.combine(end, datetime.min.time())),
                    *metric_p,
                    *tier_p,
                    *t_params,
                ],
            )
        # FCR and escalation rate over tickets solved in the period.
        t_tier = " and t.support_tier = ?" if tier else ""
        common = [
            tz,
            datetime.combine(start, datetime.min.time()),
            datetime.combine(end, datetime.min.time()),
            *tier_p,
            *t_params,
        ]
        monthly_ratio(
            "fcr",
            "select strftime(timezone(?, timezone('UTC', t.solved_at)), '%Y-%m') as month, "
            "count(*) filter (where t.is_fcr) as num, count(*) as den "
            "from main.fct_tickets t where t.solved_at >= ? and t.solved_at < ?"
            + t_tier
            + t_acct
            + " group by 1 order by 1",
            common,
        )
        monthly_ratio(
            "escalation_rate",
            "select strftime(timezone(?, timezone('UTC', t.solved_at)), '%Y-%m') as month, "
            "count(*) filter (where t.is_escalated) as num, count(*) as den "
            "from main.fct_tickets t where t.solved_at >= ? and t.solved_at < ?"
            + t_tier
            + t_acct
            + " group by 1 order by 1",
            common,
        )
        # CSAT: responses in the period, joined to their ticket's account.
        c_tier = " and c.support_tier = ?" if tier else ""
        c_acct = ""
        c_params: list[Any] = []
        if region or segment:
            sub, c_params = acct_filter("t2")
            c_acct = (
                " and c.ticket_id in (select t2.ticket_id from main.fct_tickets t2 where true"
                + sub
                + ")"
            )
        monthly_ratio(
            "csat",
            "select strftime(timezone(?, timezone('UTC', c.responded_at)), '%Y-%m') as month, "
            "count(*) filter (where c.score >= 4) as num, count(*) as den "
            "from main.fct_csat_responses c where c.responded_at >= ? and c.responded_at < ?"
            + c_tier
            + c_acct
            + " group by 1 order by 1",
            [
                tz,
                datetime.combine(start, datetime.min.time()),
                datetime.combine(end, datetime.min.time()),
                *tier_p,
                *c_params,
            ],
        )
        # NPS: per wave; the period's quarter(s).
        n_clauses, n_params = [], []
        if tier:
            n_clauses.append("support_tier = ?")
            n_params.append(tier)
        if region:
            n_clauses.append("region = ?")
            n_params.append(region)
        if segment:
            n_clauses.append("segment = ?")
            n_params.append(segment)
        waves = [f"{year}-Q{q_}" for q_ in ([quarter] if quarter else [1, 2, 3, 4])]
        nps = _df(
            sess,
            "select wave, count(*) filter (where score >= 9) as pro, "
            "count(*) filter (where score <= 6) as det, count(*) as n "
            "from main.fct_nps_responses where wave in (select unnest(?))"
            + "".join(f" and {c}" for c in n_clauses)
            + " group by wave order by wave",
            [waves, *n_params],
        )
        pro = float(nps["pro"].sum() or 0) if nps.height else 0.0
        det = float(nps["det"].sum() or 0) if nps.height else 0.0
        n = float(nps["n"].sum() or 0) if nps.height else 0.0
        out["nps"] = {
            "actual": (100.0 * (pro - det) / n) if n else None,
            "n": int(n),
            "monthly": {},
        }
        # Automation share: tier-1-started tickets solved by a bot (tier filter n/a: the
        # account tier still applies).
        monthly_ratio(
            "automation_share",
            "select strftime(timezone(?, timezone('UTC', t.created_at)), '%Y-%m') as month, "
            "count(*) filter (where t.solved_by_bot) as num, count(*) as den "
            "from main.fct_tickets t where t.created_at >= ? and t.created_at < ? "
            "and t.is_started_in_tier1" + t_tier + t_acct + " group by 1 order by 1",
            [
                tz,
                datetime.combine(start, datetime.min.time()),
                datetime.combine(end, datetime.min.time()),
                *tier_p,
                *t_params,
            ],
        )
        return out

    return _run(settings, "okr_filtered", args, "all", q)


# ----------------------------------------------------------------------------- SLA


def sla_period_default(settings: Any, viewer: Any) -> tuple[date, date]:
    """The last 30 Moscow days up to the warehouse's as-of date."""
    info = build_info(settings, viewer)
    as_of = info.get("as_of") or datetime.now(UTC).replace(tzinfo=None)
    end = as_of.replace(tzinfo=UTC).astimezone(_tz(settings)).date()
    return end - timedelta(days=29), end


def _daily_date_col(sess: Session) -> str:
    cols = _columns(sess, "fct_sla_daily")
    if not cols:
        raise MissingMart("fct_sla_daily")
    for name in ("outcome_date", "date_msk", "day", "date", "outcome_day"):
        if name in cols:
            return name
    raise MissingMart("fct_sla_daily")


def _sla_daily_totals(
    sess: Session,
    keys: tuple[str, ...],
    start: date,
    end: date,
    tier: str | None = None,
    metric: str | None = None,
) -> pl.DataFrame:
    """met, breached and compliance from fct_sla_daily over [start, end], grouped by
    `keys` (column names of the mart, or "day"), optionally for one tier and metric."""
    d = _daily_date_col(sess)
    columns = ", ".join(f"{d}::date as day" if key == "day" else key for key in keys)
    sql = (
        f"select {columns}, sum(met_count)::bigint as met, "
        f"sum(breached_count)::bigint as breached from main.fct_sla_daily "
        f"where {d} between ? and ?"
    )
    params: list[Any] = [start, end]
    for column, value in (("support_tier", tier), ("metric", metric)):
        if value:
            sql += f" and {column} = ?"
            params.append(value)
    df = _df(sess, sql + " group by all order by all", params)
    return df.with_columns(
        (pl.col("met") / (pl.col("met") + pl.col("breached"))).alias("compliance")
    )


def sla_matrix(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None
) -> pl.DataFrame:
    """met, breached, compliance per tier x priority x metric over [start, end]."""
    tier = _opt(tier)

    def q(sess: Session) -> pl.DataFrame:
        return _sla_daily_totals(sess, ("support_tier", "priority", "metric"), start, end, tier)

    return _run(settings, "sla_matrix", (start, end, tier), "all", q)


def tier_sla_targets(settings: Any, viewer: Any) -> dict[str, float]:
    """Overall SLA compliance target per tier (share), from the seed when published."""
    return tier_targets(settings, viewer, "sla_compliance")


DEFAULT_TIER_TARGETS = {
    "sla_compliance": DEFAULT_TIER_SLA_TARGETS,
    "fcr": {"premium": 0.60, "professional": 0.55, "standard": 0.50},
    "csat": {"premium": 0.90, "professional": 0.85, "standard": 0.80},
}


def tier_targets(settings: Any, viewer: Any, metric: str) -> dict[str, float]:
    """Per-tier target (share) of `metric` from the tier_targets seed, else DESIGN s4."""

    def q(sess: Session) -> dict[str, float]:
        for schema in ("reference", "main"):
            if _has_table(sess, "tier_targets", schema):
                rows = sess.con.execute(
                    f"select support_tier, target_pct from {schema}.tier_targets where metric = ?",
                    [metric],
                ).fetchall()
                if rows:
                    return {r[0]: float(r[1]) / 100.0 for r in rows}
        return dict(DEFAULT_TIER_TARGETS.get(metric, {}))

    return _run(settings, "tier_targets", (metric,), "all", q)


def sla_daily(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None, metric: str | None
) -> pl.DataFrame:
    """Daily compliance per tier: day, support_tier, met, breached, compliance."""
    tier, metric = _opt(tier), _opt(metric)

    def q(sess: Session) -> pl.DataFrame:
        return _sla_daily_totals(sess, ("day", "support_tier"), start, end, tier, metric)

    return _run(settings, "sla_daily", (start, end, tier, metric), "all", q)


def _outcome_window(settings: Any, start: date, end: date) -> tuple[datetime, datetime]:
    """Moscow dates [start, end] as UTC-naive instants [lo, hi)."""
    tz = _tz(settings)
    lo = datetime.combine(start, datetime.min.time(), tz).astimezone(UTC).replace(tzinfo=None)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tz)
    return lo, hi.astimezone(UTC).replace(tzinfo=None)


def sla_distribution(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None, metric: str
) -> pl.DataFrame:
    """Histogram of completed clocks as % of their target: bucket (0,10,..,300), n, breached."""
    tier = _opt(tier)

    def q(sess: Session) -> pl.DataFrame:
        lo, hi = _outcome_window(settings, start, end)
        sql = (
            "select least(floor(100.0 * elapsed_minutes / target_minutes / 10) * 10, 300)::int "
            "as bucket, count(*) as n, count(*) filter (where outcome = 'breached') as breached, "
            "median(elapsed_minutes) as median_minutes "
            "from main.fct_sla_outcomes where metric = ? and completed_at is not null "
            "and target_minutes > 0 and outcome_at >= ? and outcome_at < ?"
        )
        params: list[Any] = [metric, lo, hi]
        if tier:
            sql += " and support_tier = ?"
            params.append(tier)
        return _df(sess, sql + " group by 1 order by 1", params)

    return _run(settings, "sla_distribution", (start, end, tier, metric), "all", q)


def sla_time_stats(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None, metric: str
) -> dict[str, float | None]:
    """Median and 90th percentile elapsed minutes of completed clocks."""
    tier = _opt(tier)

    def q(sess: Session) -> dict[str, float | None]:
        lo, hi = _outcome_window(settings, start, end)
        sql = (
            "select median(elapsed_minutes), quantile_cont(elapsed_minutes, 0.9), count(*) "
            "from main.fct_sla_outcomes where metric = ? and completed_at is not null "
            "and outcome_at >= ? and outcome_at < ?"
        )
        params: list[Any] = [metric, lo, hi]
        if tier:
            sql += " and support_tier = ?"
            params.append(tier)
        row = _first(sess.con.execute(sql, params).fetchall())
        return {"median": row[0], "p90": row[1], "n": row[2]}

    return _run(settings, "sla_time_stats", (start, end, tier, metric), "all", q)


BREACH_DIMENSIONS = {"product_area": "t.product_area", "channel": "t.channel", "team": "team"}


def sla_breaches_by(
    settings: Any, viewer: Any, start: date, end: date, tier: str | None, dimension: str
) -> pl.DataFrame:
    """Breached outcomes in the window by product area, channel or team: key, breached, total."""
    tier = _opt(tier)
    if dimension not in BREACH_DIMENSIONS:
        raise ValueError(dimension)

    def q(sess: Session) -> pl.DataFrame:
        lo, hi = _outcome_window(settings, start, end)
        if dimension == "team":
            key = "coalesce(dt.team_name, cast(t.team_id as varchar), '?')"
            join = " left join main.dim_team dt on dt.team_id = t.team_id"
        else:
            key = f"coalesce({BREACH_DIMENSIONS[dimension]}, '?')"
            join = ""
        sql = (
            f"select {key} as key, count(*) filter (where o.outcome = 'breached') as breached, "
            "count(*) as total from main.fct_sla_outcomes o "
            "join main.fct_tickets t on t.ticket_id = o.ticket_id" + join + " "
            "where o.outcome in ('met', 'breached') and o.outcome_at >= ? and o.outcome_at < ?"
        )
        params: list[Any] = [lo, hi]
        if tier:
            sql += " and o.support_tier = ?"
            params.append(tier)
        return _df(sess, sql + " group by 1 order by breached desc, key", params)

    return _run(settings, "sla_breaches_by", (start, end, tier, dimension), "all", q)


def sla_tickets(
    settings: Any,
    viewer: Any,
    start: date,
    end: date,
    *,
    tier: str | None = None,
    priority: str | None = None,
    metric: str | None = None,
    outcome: str | None = None,
    day: date | None = None,
    dimension: str | None = None,
    key: str | None = None,
    bucket: int | None = None,
) -> pl.DataFrame:
    """The SLA outcomes behind a chart element (at most TICKET_LIST_LIMIT, worst first)."""
    tier, priority, metric, outcome = _opt(tier), _opt(priority), _opt(metric), _opt(outcome)
    args = (start, end, tier, priority, metric, outcome, day, dimension, key, bucket)

    def q(sess: Session) -> pl.DataFrame:
        lo, hi = _outcome_window(settings, day or start, day or end)
        clauses = ["o.outcome_at >= ?", "o.outcome_at < ?"]
        params: list[Any] = [lo, hi]
        join = ""
        for col, val in (("o.support_tier", tier), ("o.priority", priority), ("o.metric", metric)):
            if val:
                clauses.append(f"{col} = ?")
                params.append(val)
        if outcome:
            clauses.append("o.outcome = ?")
            params.append(outcome)
        else:
            clauses.append("o.outcome in ('met', 'breached')")
        if dimension in ("product_area", "channel") and key is not None:
            clauses.append(f"coalesce(t.{dimension}, '?') = ?")
            params.append(key)
        elif dimension == "team" and key is not None:
            join = " left join main.dim_team dt on dt.team_id = t.team_id"
            clauses.append("coalesce(dt.team_name, cast(t.team_id as varchar), '?') = ?")
            params.append(key)
        if bucket is not None:
            clauses.append(
                "least(floor(100.0 * o.elapsed_minutes / o.target_minutes / 10) * 10, 300)::int = ?"
            )
            clauses.append("o.completed_at is not null and o.target_minutes > 0")
            params.append(int(bucket))
        sql = (
            "select o.ticket_id, t.created_at, o.support_tier, o.priority, o.metric, o.outcome, "
            "o.clock, o.target_minutes, o.elapsed_minutes, o.due_at, o.outcome_at, "
            "t.product_area, t.channel from main.fct_sla_outcomes o join main.fct_tickets t "
            "on t.ticket_id = o.ticket_id"
            + join
            + " where "
            + " and ".join(clauses)
            + " order by (o.outcome = 'breached') desc, o.elapsed_minutes / "
            "nullif(o.target_minutes, 0) desc limit ?"
        )
        params.append(TICKET_LIST_LIMIT)
        return _df(sess, sql, params)

    return _run(settings, "sla_tickets", args, "all", q)


# ----------------------------------------------------------------------------- wall


def wall_snapshot(settings: Any, viewer: Any) -> dict[str, Any]:
    """Everything the wall shows; never a customer or engineer name (DESIGN s1, s8).

    "Today" is the Moscow date of the warehouse's as-of moment, so a stale warehouse
    shows its own last day (with the stale warning) rather than an empty today.
    """

    def q(sess: Session) -> dict[str, Any]:
        tz = _tz(settings)
        as_of = sess.as_of or datetime.now(UTC).replace(tzinfo=None)
        today = as_of.replace(tzinfo=UTC).astimezone(tz).date()
        yesterday = today - timedelta(days=1)
        daily = _sla_daily_totals(sess, ("day", "metric"), yesterday, today)

        def pick(day: date, metric: str | None) -> tuple[int, int]:
            f = daily.filter(pl.col("day") == day)
            if metric:
                f = f.filter(pl.col("metric") == metric)
            return int(f["met"].sum() or 0), int(f["breached"].sum() or 0)

        out: dict[str, Any] = {"today": today.isoformat(), "as_of": as_of.isoformat()}
        for metric in METRICS:
            met, breached = pick(today, metric)
            out[metric] = {
                "met": met,
                "breached": breached,
                "compliance": met / (met + breached) if (met + breached) else None,
            }
        out["breaches_today"] = pick(today, None)[1]
        out["breaches_yesterday"] = pick(yesterday, None)[1]
        row = _first(
            sess.con.execute(
                "select count(*) from main.fct_tickets where is_open and priority = 'critical'"
            ).fetchall()
        )
        out["open_critical"] = int(row[0]) if row else 0
        queue = _df(
            sess,
            "select o.ticket_id, o.support_tier, o.priority, o.metric, o.due_at "
            "from main.fct_sla_outcomes o where o.completed_at is null and o.due_at is not null "
            "and o.due_at >= ? order by o.due_at limit 7",
            [as_of - timedelta(hours=1)],
        )
        out["queue"] = [
            {
                "ticket_id": str(r["ticket_id"]),
                "support_tier": r["support_tier"],
                "priority": r["priority"],
                "metric": r["metric"],
                "due_at": r["due_at"].replace(tzinfo=UTC).isoformat(),
            }
            for r in queue.iter_rows(named=True)
        ]
        # The wall's targets: the year's first-response and resolution SLA key results
        # (DESIGN s4: 97 % and 95 %), the overall SLA KR when a year has no separate one.
        targets = {"first_response": 0.97, "resolution": 0.95}
        if _has_table(sess, "fct_okr_progress"):
            rows = sess.con.execute(
                "select kr_id, target from main.fct_okr_progress where period = ? "
                "and kr_id in ('first_response_sla', 'resolution_sla', 'sla_compliance') "
                "and dim_tier = 'all' and dim_segment = 'all' and dim_region = 'all' "
                "and target is not null",
                [str(today.year)],
            ).fetchall()
            found = {r[0]: float(r[1]) / 100.0 for r in rows}
            overall = found.get("sla_compliance")
            targets["first_response"] = found.get("first_response_sla", overall or 0.97)
            targets["resolution"] = found.get("resolution_sla", overall or 0.95)
        out["targets"] = targets
        return out

    return _run(settings, "wall_snapshot", (), "wall", q)


# ----------------------------------------------------------------------------- teams


ENGINEER_METRICS = (
    # (metric, kind: share|number, higher_is_better)
    ("response_compliance", "share", True),
    ("resolution_compliance", "share", True),
    ("fcr", "share", True),
    ("csat", "share", True),
    ("qa_score", "number", True),
    ("tickets_handled", "number", True),
    ("kb_articles", "number", True),
    ("escalation_rate", "share", False),
)


def engineer_table(settings: Any, viewer: Any, weeks: int = 4) -> pl.DataFrame:
    """Engineers over their last `weeks` ISO weeks, each metric beside its tier target.

    Columns: engineer_id, full_name, team_id, team_name, engineer_tier, is_aggregate,
    engineers, and for each metric m of ENGINEER_METRICS: m and m_target (shares in
    [0, 1]; tickets_handled also tickets_handled_target_max). Engineers the viewer may not
    see by name are folded into one aggregate row per team (no names, no ids).
    """

    def q(sess: Session) -> pl.DataFrame:
        w = engineer_weeks_rows(sess, None, weeks)
        if w.height == 0:
            return w.with_columns(pl.lit(False).alias("is_aggregate"))
        visible = _visible_engineer_ids(sess.con, viewer)
        return _fold_invisible(w, visible)

    return _run(settings, "engineer_table", (weeks,), scope_of(viewer).key(), q)


def engineer_weeks_rows(sess: Session, engineer_id: str | None, weeks: int | None) -> pl.DataFrame:
    """Per-engineer metrics over the last `weeks` weeks, or per week for one engineer.

    Reads fct_engineer_weeks: *_met/*_breached and numerator/denominator columns are
    summed so that a period's compliance is met / (met + breached), never a mean of
    weekly percentages.
    """
    if not _has_table(sess, "fct_engineer_weeks"):
        raise MissingMart("fct_engineer_weeks")
    per_week = engineer_id is not None
    group = "w.week_start, w.iso_week, " if per_week else ""
    if per_week:
        where, params = "where cast(w.engineer_id as varchar) = ?", [engineer_id]
    else:
        where = (
            "where w.week_start > (select max(week_start) from main.fct_engineer_weeks) "
            "- to_weeks(cast(? as integer))"
        )
        params = [weeks]
    sql = f"""
        select {group}cast(w.engineer_id as varchar) as engineer_id,
               any_value(e.full_name) as full_name,
               any_value(cast(w.team_id as varchar)) as team_id,
               any_value(e.team_name) as team_name,
               any_value(cast(w.engineer_tier as varchar)) as engineer_tier,
               sum(w.first_responses_met)::double
                 / nullif(sum(w.first_responses_met + w.first_responses_breached), 0)
                 as response_compliance,
               sum(w.resolutions_met)::double
                 / nullif(sum(w.resolutions_met + w.resolutions_breached), 0)
                 as resolution_compliance,
               sum(w.fcr_tickets)::double / nullif(sum(w.tickets_solved), 0) as fcr,
               sum(w.csat_satisfied)::double / nullif(sum(w.csat_responses), 0) as csat,
               sum(w.qa_score_sum) / nullif(sum(w.qa_reviews), 0) as qa_score,
               avg(w.tickets_handled)::double as tickets_handled,
               arg_max(w.kb_articles_quarter_to_date, w.week_start)::double as kb_articles,
               sum(w.escalations)::double
                 / nullif(sum(w.tickets_solved + w.escalations), 0) as escalation_rate,
               sum(w.first_responses_met + w.first_responses_breached) as response_n,
               sum(w.resolutions_met + w.resolutions_breached) as resolution_n,
               sum(w.tickets_solved) as solved_n,
               sum(w.csat_responses) as csat_n,
               sum(w.qa_reviews) as qa_n,
               any_value(w.target_response_compliance_pct) / 100.0 as response_compliance_target,
               any_value(w.target_resolution_compliance_pct) / 100.0
                 as resolution_compliance_target,
               any_value(w.target_fcr_pct) / 100.0 as fcr_target,
               any_value(w.target_csat_pct) / 100.0 as csat_target,
               any_value(w.target_qa_score) as qa_score_target,
               any_value(w.target_tickets_handled_min) as tickets_handled_target,
               any_value(w.target_tickets_handled_max) as tickets_handled_target_max,
               any_value(w.target_kb_articles_per_quarter) as kb_articles_target,
               any_value(w.target_escalation_rate_max_pct) / 100.0 as escalation_rate_target
        from main.fct_engineer_weeks w
        left join main.dim_engineer e on e.engineer_id = w.engineer_id
        {where}
        group by {group}w.engineer_id
        order by {"w.week_start" if per_week else "any_value(e.team_name), any_value(e.full_name)"}
    """
    df = _df(sess, sql, params)
    if per_week:
        df = df.rename({"week_start": "week"})
    return df


def _fold_invisible(df: pl.DataFrame, visible: set[str] | None) -> pl.DataFrame:
    df = df.with_columns(pl.lit(False).alias("is_aggregate"))
    if visible is None:
        return df
    mine = df.filter(pl.col("engineer_id").cast(pl.Utf8).is_in(sorted(visible)))
    others = df.filter(~pl.col("engineer_id").cast(pl.Utf8).is_in(sorted(visible)))
    if others.height == 0:
        return mine
    metric_cols = [m for m, _k, _h in ENGINEER_METRICS]
    agg = others.group_by("team_id").agg(
        pl.col("team_name").first(),
        pl.lit(None, dtype=pl.Utf8).alias("engineer_id"),
        pl.lit(None, dtype=pl.Utf8).alias("full_name"),
        pl.lit(None, dtype=pl.Utf8).alias("engineer_tier"),
        *[pl.col(m).mean() for m in metric_cols],
        pl.len().alias("engineers"),
    )
    agg = agg.with_columns(pl.lit(True).alias("is_aggregate"))
    return pl.concat(
        [mine.with_columns(pl.lit(1, dtype=pl.UInt32).alias("engineers")), agg],
        how="diagonal_relaxed",
    )


def engineer_profile(settings: Any, viewer: Any, engineer_id: str) -> dict[str, Any]:
    """One engineer: identity, weekly metrics, QA reviews, CSAT comments, KB, tickets.

    Raises Forbidden when the viewer may not see this engineer by name.
    """

    def q(sess: Session) -> dict[str, Any]:
        e = _df(
            sess,
            "select cast(engineer_id as varchar) as engineer_id, full_name, "
            "cast(team_id as varchar) as team_id, team_name, "
            "cast(support_tier as varchar) as engineer_tier from main.dim_engineer "
            "where cast(engineer_id as varchar) = ?",
            [engineer_id],
        )
        if e.height == 0:
            return {"found": False}
        ident = e.row(0, named=True)
        if not can_see_engineer(viewer, ident["engineer_id"], ident["team_id"]):
            return {"found": True, "forbidden": True}
        weekly = engineer_weeks_rows(sess, ident["engineer_id"], None)
        qa = _df(
            sess,
            "select review_id, ticket_id, reviewed_at, technical_accuracy, communication, "
            "timeliness, process, customer_satisfaction, total_score from main.fct_qa_reviews "
            "where cast(engineer_id as varchar) = ? "
            "order by reviewed_at desc limit 50",
            [engineer_id],
        )
        csat = _df(
            sess,
            "select ticket_id, responded_at, score, comment_text as comment "
            "from main.fct_csat_responses where cast(solver_id as varchar) = ? "
            "order by (comment_text is null), responded_at desc limit 50",
            [engineer_id],
        )
        kb = _df(
            sess,
            "select article_id, published_at, category, language, status "
            "from main.fct_kb_articles where cast(author_id as varchar) = ? "
            "order by published_at desc nulls last limit 50",
            [engineer_id],
        )
        tickets = _df(
            sess,
            "select ticket_id, created_at, support_tier, priority, product_area, channel, "
            "is_open, solved_at, resolution_minutes, is_fcr from main.fct_tickets "
            "where cast(solver_id as varchar) = ? or cast(first_responder_id as varchar) = ? "
            "order by created_at desc limit 100",
            [engineer_id, engineer_id],
        )
        return {
            "found": True,
            "forbidden": False,
            "engineer": ident,
            "weekly": weekly,
            "qa": qa,
            "csat": csat,
            "kb": kb,
            "tickets": tickets,
        }

    result = _run(settings, "engineer_profile", (engineer_id,), scope_of(viewer).key(), q)
    if result.get("forbidden"):
        raise Forbidden(engineer_id)
    return result


def engineer_csv_rows(settings: Any, viewer: Any, weeks: int = 4) -> pl.DataFrame:
    """What the teams CSV export contains: exactly the table the viewer sees."""
    return engineer_table(settings, viewer, weeks)


# ----------------------------------------------------------------------------- ticket


def ticket_detail(settings: Any, viewer: Any, ticket_id: str) -> dict[str, Any]:
    """A ticket, its SLA clocks and its event timeline (actors named only when allowed)."""

    def q(sess: Session) -> dict[str, Any]:
        t = _df(
            sess,
            "select t.*, a.account_name from main.fct_tickets t "
            "left join main.dim_account a on a.account_id = t.account_id "
            "where cast(t.ticket_id as varchar) = ?",
            [ticket_id],
        )
        if t.height == 0:
            return {"found": False}
        ticket = t.row(0, named=True)
        clocks = _df(
            sess,
            "select metric, clock, target_minutes, elapsed_minutes, due_at, completed_at, "
            "outcome, outcome_at, cast(engineer_id as varchar) as engineer_id "
            "from main.fct_sla_outcomes where cast(ticket_id as varchar) = ? order by metric",
            [ticket_id],
        )
        events = None
        if _has_table(sess, "fct_ticket_events"):
            events = _df(
                sess,
                "select event_id, event_at, event_type, actor_role, "
                "cast(actor_id as varchar) as actor_id, is_public, from_value, to_value, "
                "null::boolean as clock_running from main.fct_ticket_events "
                "where cast(ticket_id as varchar) = ? order by event_at, event_id",
                [ticket_id],
            )
        elif _has_table(sess, "int_ticket_status_intervals", "intermediate"):
            # No event mart in `main` yet: the SLA engine's status intervals (a table the
            # build publishes) give every status change with its actor and whether the
            # resolution clock ran, which is the timeline the SLA clocks are built from.
            events = _df(
                sess,
                "select opened_by_event_id as event_id, started_at as event_at, "
                "case when previous_status is null then 'created' else 'status_changed' end "
                "as event_type, opened_by_actor_role as actor_role, "
                "cast(opened_by_actor_id as varchar) as actor_id, null::boolean as is_public, "
                "previous_status as from_value, status as to_value, "
                "is_clock_running as clock_running "
                "from intermediate.int_ticket_status_intervals "
                "where cast(ticket_id as varchar) = ? order by started_at, interval_number",
                [ticket_id],
            )
        names = _engineer_names(sess, viewer)
        if events is not None:
            events = events.with_columns(
                pl.col("actor_id").replace_strict(names, default=None).alias("actor_name")
            ).drop("actor_id")
        ticket["solver_name"] = names.get(str(ticket.get("solver_id")))
        ticket["first_responder_name"] = names.get(str(ticket.get("first_responder_id")))
        for key in ("solver_id", "first_responder_id", "assignee_id"):
            ticket.pop(key, None)
        if not may_see_names(viewer):
            ticket.pop("account_name", None)
        clocks = clocks.drop("engineer_id")
        return {
            "found": True,
            "ticket": ticket,
            "clocks": clocks,
            "events": events,
            "as_of": sess.as_of,
        }

    return _run(settings, "ticket_detail", (ticket_id,), scope_of(viewer).key(), q)


def _engineer_names(sess: Session, viewer: Any) -> dict[str, str]:
    """engineer_id -> name for the engineers this viewer may see by name."""
    if not may_see_names(viewer) or not _has_table(sess, "dim_engineer"):
        return {}
    visible = _visible_engineer_ids(sess.con, viewer)
    rows = sess.con.execute(
        "select cast(engineer_id as varchar), full_name from main.dim_engineer"
    ).fetchall()
    return {r[0]: r[1] for r in rows if visible is None or r[0] in visible}


# ----------------------------------------------------------------------------- customers


NPS_SPLITS = {"support_tier": "support_tier", "segment": "segment", "region": "region"}


def nps_by_wave(settings: Any, viewer: Any, split: str) -> pl.DataFrame:
    """NPS per wave and group: wave, grp, n, promoters, detractors, nps, low_n."""
    if split not in NPS_SPLITS:
        raise ValueError(split)

    def q(sess: Session) -> pl.DataFrame:
        col = NPS_SPLITS[split]
        df = _df(
            sess,
            f"select wave, coalesce(cast({col} as varchar), '?') as grp, count(*) as n, "
            "count(*) filter (where score >= 9) as promoters, "
            "count(*) filter (where score <= 6) as detractors "
            "from main.fct_nps_responses group by all order by wave, grp",
        )
        return df.with_columns(
            (100.0 * (pl.col("promoters") - pl.col("detractors")) / pl.col("n")).alias("nps"),
            (pl.col("n") < 30).alias("low_n"),
        )

    return _run(settings, "nps_by_wave", (split,), "all", q)


def csat_monthly(settings: Any, viewer: Any, tier: str | None) -> pl.DataFrame:
    """CSAT per Moscow month: month, n, satisfied, csat (share), mean_score."""
    tier = _opt(tier)

    def q(sess: Session) -> pl.DataFrame:
        sql = (
            "select strftime(responded_month, '%Y-%m') as month, count(*) as n, "
            "count(*) filter (where is_satisfied) as satisfied, avg(score) as mean_score "
            "from main.fct_csat_responses"
        )
        params: list[Any] = []
        if tier:
            sql += " where support_tier = ?"
            params.append(tier)
        df = _df(sess, sql + " group by 1 order by 1", params)
        return df.with_columns((pl.col("satisfied") / pl.col("n")).alias("csat"))

    return _run(settings, "csat_monthly", (tier,), "all", q)


def retention(settings: Any, viewer: Any, grain: str = "quarter") -> pl.DataFrame:
    """Retention and net expansion per period with components (fct_retention, all accounts).

    Columns: period, is_complete, starting_accounts, retained_accounts, churned_accounts,
    logo_retention, net_expansion, expansion, contraction, churn (shares).
    """

    def q(sess: Session) -> pl.DataFrame:
        df = _df(
            sess,
            "select period, is_complete, starting_accounts, retained_accounts, "
            "churned_accounts, logo_retention_pct / 100.0 as logo_retention, "
            "net_expansion_pct / 100.0 as net_expansion, expansion_pct / 100.0 as expansion, "
            "contraction_pct / 100.0 as contraction, churn_pct / 100.0 as churn "
            "from main.fct_retention where period_type = ? and dim_tier = 'all' "
            "and dim_segment = 'all' and dim_region = 'all' order by period_start",
            [grain],
        )
        return df

    return _run(settings, "retention", (grain,), "all", q)


def support_impact(settings: Any, viewer: Any) -> pl.DataFrame:
    """Accounts with at least one SLA breach vs without: accounts, retained share, NPS.

    Retention here: of the accounts that had SLA-tracked tickets, the share still active
    in the latest month of fct_account_months. NPS: over all their responses.
    """

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            """
            with breach as (
                select t.account_id, bool_or(o.outcome = 'breached') as had_breach
                from main.fct_sla_outcomes o
                join main.fct_tickets t on t.ticket_id = o.ticket_id
                where o.outcome in ('met', 'breached')
                group by 1
            ), active_now as (
                select account_id, bool_or(is_active) as active
                from main.fct_account_months
                where month_start = (select max(month_start) from main.fct_account_months)
                group by 1
            ), nps as (
                select account_id, count(*) as n,
                       count(*) filter (where score >= 9) as pro,
                       count(*) filter (where score <= 6) as det
                from main.fct_nps_responses group by 1
            )
            select b.had_breach, count(*) as accounts,
                   avg(case when coalesce(a.active, false) then 1.0 else 0.0 end) as retained,
                   coalesce(sum(n.n), 0) as nps_n,
                   100.0 * (sum(n.pro) - sum(n.det)) / nullif(sum(n.n), 0) as nps
            from breach b left join active_now a using (account_id)
            left join nps n using (account_id)
            group by 1 order by 1
            """,
        )

    return _run(settings, "support_impact", (), "all", q)


# ----------------------------------------------------------------------------- revenue


def revenue_ytd(settings: Any, viewer: Any, year: int) -> dict[str, Any]:
    """Support-attributed revenue in the year by close month, total and the year's target."""

    def q(sess: Session) -> dict[str, Any]:
        monthly = _df(
            sess,
            "select strftime(close_month, '%Y-%m') as month, "
            "sum(attributed_revenue_usd) as credited, count(*) as deals "
            "from main.fct_opportunities where is_won and has_support_credit "
            "and close_year = ? group by 1 order by 1",
            [year],
        )
        target = None
        if _has_table(sess, "fct_okr_progress"):
            row = _first(
                sess.con.execute(
                    "select max(target) from main.fct_okr_progress "
                    "where kr_id = 'attributed_revenue' and period like ?",
                    [f"{year}%"],
                ).fetchall()
            )
            target = float(row[0]) if row and row[0] is not None else None
        return {
            "monthly": monthly,
            "total": float(monthly["credited"].sum() or 0) if monthly.height else 0.0,
            "target": target,
        }

    return _run(settings, "revenue_ytd", (year,), "all", q)


def credited_opportunities(settings: Any, viewer: Any, year: int) -> pl.DataFrame:
    """Closed-won opportunities with support credit in the year (no names for the wall)."""

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            "select o.opportunity_id, a.account_name, o.opportunity_type, o.competitor, "
            "o.close_date, o.amount_usd, o.support_credit_pct, o.attributed_revenue_usd "
            "from main.fct_opportunities o left join main.dim_account a "
            "on a.account_id = o.account_id "
            "where o.is_won and o.has_support_credit and o.close_year = ? "
            "order by o.attributed_revenue_usd desc limit 200",
            [year],
        )

    result = _run(settings, "credited_opportunities", (year,), "all", q)
    if not may_see_names(viewer):
        result = result.drop("account_name")
    return result


def deals_by_competitor(settings: Any, viewer: Any, year: int) -> pl.DataFrame:
    """Per competitor, closed in the year: won, lost, win_rate, poc_closed, poc_won,
    poc_conversion, avg_deal_usd, avg_cycle_days."""

    def q(sess: Session) -> pl.DataFrame:
        df = _df(
            sess,
            """
            select competitor,
                   count(*) filter (where is_won) as won,
                   count(*) filter (where is_lost) as lost,
                   count(*) filter (where had_poc) as poc_closed,
                   count(*) filter (where is_poc_won) as poc_won,
                   avg(amount_usd) filter (where is_won) as avg_deal_usd,
                   avg(sales_cycle_days) as avg_cycle_days
            from main.fct_opportunities
            where is_closed and close_year = ?
            group by 1 order by count(*) desc, 1
            """,
            [year],
        )
        return df.with_columns(
            (pl.col("won") / (pl.col("won") + pl.col("lost"))).alias("win_rate"),
            pl.when(pl.col("poc_closed") > 0)
            .then(pl.col("poc_won") / pl.col("poc_closed"))
            .otherwise(None)
            .alias("poc_conversion"),
        )

    return _run(settings, "deals_by_competitor", (year,), "all", q)


def cost_monthly(settings: Any, viewer: Any, year: int) -> pl.DataFrame:
    """Per month of the year: cost_usd, cost_rub, tickets, cost_per_ticket_usd / _rub,
    automation_share (share), tickets_per_engineer (tickets created / engineers who
    handled tickets that month)."""

    def q(sess: Session) -> pl.DataFrame:
        return _df(
            sess,
            """
            with e as (
                select strftime(week_start, '%Y-%m') as month,
                       count(distinct engineer_id) as engineers
                from main.fct_engineer_weeks where tickets_handled > 0 group by 1
            )
            select c.month, c.support_cost_usd as cost_usd, c.support_cost_rub as cost_rub,
                   c.tickets_created as tickets, c.cost_per_ticket_usd, c.cost_per_ticket_rub,
                   c.automation_share_pct / 100.0 as automation_share,
                   c.tier1_started_tickets, c.automated_tickets, e.engineers,
                   c.tickets_created / nullif(e.engineers, 0) as tickets_per_engineer
            from main.fct_cost_per_ticket c left join e on e.month = c.month
            where year(c.month_start) = ? order by c.month_start
            """,
            [year],
        )

    return _run(settings, "cost_monthly", (year,), "all", q)


# ----------------------------------------------------------------------------- quality


def quality(settings: Any, viewer: Any) -> dict[str, Any]:
    """Load manifest, rejects by reason, latest rejects, orphans, freshness, dbt tests."""

    def q(sess: Session) -> dict[str, Any]:
        out: dict[str, Any] = {}

        def table(name: str) -> str | None:
            for cand in (name, name.replace("fct_dq_", "stg_loader__")):
                if _has_table(sess, cand):
                    return cand
            return None

        manifest = table("fct_dq_load_manifest")
        out["batches"] = (
            _df(
                sess,
                f"select entity, file_name, rows_read, rows_landed, rows_rejected, status, "
                f"error_message as error, loaded_at, "
                f"rows_read = rows_landed + rows_rejected as is_reconciled "
                f"from main.{manifest} order by loaded_at desc, entity limit 500",
            )
            if manifest
            else None
        )
        rejects = table("fct_dq_load_rejects")
        if rejects:
            out["reasons"] = _df(
                sess,
                f"select entity, reason, count(*) as n from main.{rejects} "
                "group by all order by n desc limit 100",
            )
            out["reject_rows"] = _df(
                sess,
                f"select entity, file_name, line_number, reason, raw_row from main.{rejects} "
                "order by file_name desc, line_number limit 200",
            )
        else:
            out["reasons"] = out["reject_rows"] = None
        orphans = table("fct_dq_orphan_events")
        if orphans:
            ocols = _columns(sess, orphans)
            pick = [
                c
                for c in (
                    "event_id",
                    "ticket_id",
                    "event_at",
                    "event_type",
                    "actor_role",
                    "source_batch_id",
                )
                if c in ocols
            ]
            out["orphans"] = (
                _df(sess, f"select {', '.join(pick)} from main.{orphans} limit 200")
                if pick
                else None
            )
            row = _first(sess.con.execute(f"select count(*) from main.{orphans}").fetchall())
            out["orphan_count"] = int(row[0]) if row else 0
        else:
            out["orphans"], out["orphan_count"] = None, None
        fresh = table("fct_dq_source_freshness")
        out["freshness"] = (
            _df(
                sess,
                f"select source_name, table_name, row_count, max_timestamp, last_loaded_at, "
                f"loaded_batches, lag_hours from main.{fresh} order by lag_hours desc nulls first",
            )
            if fresh
            else None
        )
        if _has_table(sess, "pulse_build_tests"):
            out["tests"] = _df(
                sess,
                "select node, status, failures, message from main.pulse_build_tests "
                "order by (status = 'pass'), node",
            )
        else:
            out["tests"] = None
        return out

    return _run(settings, "quality", (), "all", q)
