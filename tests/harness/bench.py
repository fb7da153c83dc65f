"""`make bench SCALE=demo|1m|10m`: the performance figures of DESIGN s8, measured.

Steps, each timed with its peak memory (resident set of the process and all its
children, sampled every 0.1 s with psutil):

1. generate the extract into `data/bench/<scale>/raw` (kept between runs: generation
   is deterministic for the fixed seed and dates below, so it is reused);
2. load it into a fresh landing database;
3. full build (`pulse build --full-refresh`);
4. one new day: append a day of live activity (`warehouse.demo.simulate`), load it, and
   build incrementally, with the build's own seconds per stage (copy of the published
   warehouse, dbt, recording the build, publishing) and the copy's share;
5. the SLA models (fct_sla_outcomes and the SLA models it is built from) against the
   equal-work hand-written query `transforms/analyses/sla_outcomes_lower_bound.sql`
   (the same rows, proved equal by tests/test_sla_lower_bound.py; compiled by dbt, run
   directly in DuckDB on the published warehouse, best of three). The SLA models are
   timed twice: dbt's own timings in the full build, where they share the two cores
   with the models and tests dbt runs beside them, and run alone under the query's
   conditions (`dbt run` of just those models, one at a time, full refresh, into a
   scratch copy of the same warehouse at the same as-of). The ratio is the alone one;
6. the dashboard under gunicorn: first page load in headless Chromium with an empty
   browser cache, once the workers have warmed their result caches (held against the
   1 s target) and, beside it, while they are still warming them right after the
   server started (what a visit in the seconds after a publish meets); the warm page
   draw of every page (the third visit in one browser context, until its main content
   is drawn), and p50/p95 of every callback with 20 concurrent clients on loopback.

`--page-draw-only` measures the warm page draws alone against the bench's last
build (building it first if there is none).

`--engine spark` (`make bench ENGINE=spark`, docs/SPARK.md) runs steps 1 and 2, then
on the same landed extract and as-of the DuckDB full build and the Spark full build
(`pulse build --engine spark`: the whole project with its data tests), and reports
them side by side with the ratio Spark / DuckDB: wall time, peak memory of the whole
process tree (the Spark child and its JVM included), the SLA models' dbt time, and the
Spark build's stages. The incremental build, the SLA lower bound and the dashboard are
not measured in that mode; a failed Spark build is a line of the report.

Results are printed and appended to BENCHMARKS.md with the date, machine, scale and
versions. Timings are reported here and never asserted by tests.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psutil
import requests

from dashboard import warmup
from tests.harness.loadtest import (
    append_benchmarks,
    discover,
    machine_line,
    read_for,
    serve_log,
    served,
    shown_path,
    versions_line,
)
from tests.harness.screenshots import CHROMIUM, CHROMIUM_ARGS
from warehouse.core.errors import PulseError
from warehouse.core.settings import DBT_PROJECT_DIR, PROJECT_ROOT, Settings, load_settings
from warehouse.pipeline.build import STAGES_LABEL, dbt_dirs, dbt_executable
from warehouse.pipeline.spark_build import spark_dir

START = date(2025, 1, 1)
END = datetime(2026, 11, 1, tzinfo=UTC)  # fixed, so a generated extract can be reused
SEED = 42
SLA_ANALYSIS = "sla_outcomes_lower_bound"
# DESIGN s8 targets, in seconds / MiB, per scale; None = no target stated.
TARGETS = {
    "demo": {"full build": 60},
    "1m": {"load": 60, "full build": 30, "incremental build": 8, "peak": 4096},
    "10m": {"full build": 300, "incremental build": 30, "peak": 8192},
}


@dataclass
class Step:
    name: str
    seconds: float
    peak_mib: float
    note: str = ""
    ok: bool = True
    jvm_mib: float = 0.0  # the part of peak_mib that Java processes held at that moment


class PeakMemory:
    """Samples the summed RSS of a process tree (or of this process's children).

    The tree is walked again at every sample (`children(recursive=True)`), so processes
    started during the step count: the Spark build's child Python and the JVM that
    pyspark starts under it (spark-submit execs `java`, which stays a descendant). The
    Java processes' share at the peak is kept apart (`jvm_peak`), so a report shows
    that the JVM was counted.
    """

    def __init__(self, pid: int | None = None, interval: float = 0.1) -> None:
        self.pid = pid or os.getpid()
        self.include_self = pid is not None
        self.interval = interval
        self.peak = 0
        self.jvm_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> tuple[int, int]:
        """Summed RSS of the tree now, and of its Java processes."""
        try:
            root = psutil.Process(self.pid)
            procs = root.children(recursive=True)
            if self.include_self:
                procs.append(root)
        except psutil.Error:
            return 0, 0
        total = jvm = 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                rss = proc.memory_info().rss
                total += rss
                if proc.name() == "java":
                    jvm += rss
        return total, jvm

    def _run(self) -> None:
        while not self._stop.is_set():
            total, jvm = self._sample()
            if total > self.peak:
                self.peak, self.jvm_peak = total, jvm
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mib(self) -> float:
        return self.peak / 2**20

    @property
    def jvm_mib(self) -> float:
        return self.jvm_peak / 2**20


def bench_settings(scale: str) -> Settings:
    base = load_settings()
    data = PROJECT_ROOT / "data" / "bench" / scale
    return base.with_overrides(
        data_dir=data,
        raw_dir=data / "raw",
        landing_path=data / "landing.duckdb",
        warehouse_path=data / "warehouse.duckdb",
        auth_mode="none",
        users_file=None,
    )


def pulse_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PULSE_USERS_FILE", None)
    env.update(settings.with_overrides(auth_mode="none", users_file=None).to_env())
    return env


def run_step(
    name: str, cmd: list[str], settings: Settings, log_dir: Path, *, check: bool = True
) -> Step:
    """Run a `pulse` command, timing it and sampling its process tree's memory.

    A failure raises PulseError, or with `check=False` comes back as a Step with
    `ok=False` and the log's last line as its note (for a report to show as a line).
    """
    log = log_dir / f"{name.replace(' ', '_')}.log"
    args = (shown_path(a) if a.startswith("/") else a for a in cmd[2:])
    print(f"- {name}: {' '.join(args)}", flush=True)
    with log.open("w") as handle:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=pulse_env(settings), stdout=handle, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
        )
        with PeakMemory(proc.pid) as memory:
            code = proc.wait()
        seconds = time.perf_counter() - started
    tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
    step = Step(name, seconds, memory.mib, tail[0][:200], code == 0, memory.jvm_mib)
    print(
        f"  {seconds:.1f} s, peak {memory.mib:.0f} MiB{'' if step.ok else '  FAILED'}", flush=True
    )
    if not step.ok and check:
        raise PulseError(f"benchmark step '{name}' failed: {tail[0]} (log: {shown_path(log)})")
    return step


def build_stages(step: Step, log_dir: Path) -> dict[str, float]:
    """Seconds per stage of a `pulse build` step (either engine), from the summary line
    it printed."""
    log = log_dir / f"{step.name.replace(' ', '_')}.log"
    for line in reversed(log.read_text(errors="replace").splitlines()):
        text = line.strip()
        if text.startswith(STAGES_LABEL):
            stages = {}
            for part in text.removeprefix(STAGES_LABEL).split(","):
                name, seconds, _unit = part.split()
                stages[name] = float(seconds)
            return stages
    return {}


def run_inline(name: str, fn: Callable[[], str]) -> Step:
    print(f"- {name}", flush=True)
    started = time.perf_counter()
    with PeakMemory(os.getpid()) as memory:  # this process (and any children)
        note = fn()
    step = Step(name, time.perf_counter() - started, memory.mib, note)
    print(f"  {step.seconds:.1f} s{': ' + note if note else ''}", flush=True)
    return step


def pulse(*args: str) -> list[str]:
    return [sys.executable, "-m", "warehouse.cli", *args]


# ------------------------------------------------------------------------ SLA ratio


def sla_seconds_and_names(times: dict[str, float]) -> tuple[float, list[str]]:
    """The sum of the SLA models' times (`sla_model_times`), and each as `name 1.2 s`."""
    return sum(times.values()), [f"{name} {sec:.1f} s" for name, sec in times.items()]


def sla_model_times(target: Path) -> dict[str, float]:
    """dbt's execution time, in run order, of fct_sla_outcomes and the SLA models it is
    built from: the same work as the hand-written query (fct_tickets, the what-if and
    the daily marts, which the query does not compute, are left out; the staging views
    and calendar tables both sides read are not SLA models). Read from the target
    directory's run_results.json and manifest.json, which both engines' dbt write."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    wanted: set[str] = set()
    todo = [uid for uid, node in nodes.items() if node.get("name") == "fct_sla_outcomes"]
    while todo:
        uid = todo.pop()
        node = nodes.get(uid, {})
        if uid in wanted or node.get("resource_type") != "model":
            continue
        if "sla" not in node.get("fqn", [])[:-1]:
            continue
        wanted.add(uid)
        todo.extend(node.get("depends_on", {}).get("nodes", []))
    return {
        nodes[r["unique_id"]]["name"]: float(r.get("execution_time") or 0)
        for r in results
        if r["unique_id"] in wanted
    }


def utc_text(moment: datetime) -> str:
    """`moment` in UTC as dbt's as-of text (macros/cross_db.sql, pulse_as_of_text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def run_bench_dbt(
    settings: Settings,
    build_path: Path,
    target: Path,
    command: list[str],
    dbt_vars: dict[str, str],
    **extra_env: str,
) -> subprocess.CompletedProcess[str]:
    """One dbt `command` of the bench's own (not `pulse build`'s) on `build_path`, with
    `settings`' landing and temp directory, its own target directory and `dbt_vars`;
    output captured for the caller's error message."""
    env = pulse_env(settings)
    env.update(
        PULSE_BUILD_PATH=str(build_path),
        PULSE_LANDING=str(settings.landing_path),
        PULSE_TEMP_DIR=str(settings.temp_dir),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
        **extra_env,
    )
    return subprocess.run(
        [
            dbt_executable(),
            "--no-send-anonymous-usage-stats",
            *command,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(settings.data_dir / "dbt" / "logs"),
            "--vars",
            json.dumps(dbt_vars),
        ],
        env=env,
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
    )


def sla_models_alone(settings: Settings, as_of: datetime, names: list[str]) -> dict[str, float]:
    """dbt's execution time of the SLA models `names` run on their own, under the
    hand-written query's conditions: the published warehouse at the query's as-of, the
    machine to themselves (dbt runs one model at a time; DuckDB keeps its threads).

    In the full build dbt runs two nodes at once, so an SLA model shares the two cores
    with its neighbour and its time says as much about the neighbour as about its SQL.
    Here `dbt run --full-refresh` rebuilds just these models into a scratch copy of the
    published warehouse (the upstream staging views and calendars are already there),
    writing their tables as a build does; the copy is deleted afterwards.
    """
    scratch = settings.builds_dir / "sla_alone.duckdb"
    target = settings.data_dir / "dbt" / "sla_alone"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings.warehouse_path, scratch)
    try:
        done = run_bench_dbt(
            settings,
            scratch,
            target,
            ["run", "--threads", "1", "--full-refresh", "--select", *names],
            {"business_timezone": settings.timezone},
            PULSE_AS_OF=utc_text(as_of),
        )
        if done.returncode != 0:
            raise PulseError(f"the SLA models alone failed: {done.stdout.strip()[-400:]}")
        return sla_model_times(target)
    finally:
        for path in (scratch, scratch.with_name(scratch.name + ".wal")):
            path.unlink(missing_ok=True)


def compile_lower_bound(settings: Settings, as_of: datetime) -> str:
    """The hand-written SLA query compiled by dbt for `settings`' warehouse at `as_of`.

    Shared by the bench and by tests/test_sla_lower_bound.py, so the query timed is the
    query proved equal to fct_sla_outcomes.
    """
    target = settings.data_dir / "dbt" / "bench-compile"
    done = run_bench_dbt(
        settings,
        settings.warehouse_path,
        target,
        ["compile", "--select", SLA_ANALYSIS],
        {"as_of": utc_text(as_of)},
    )
    compiled = list(target.glob(f"compiled/**/{SLA_ANALYSIS}.sql"))
    if done.returncode != 0 or not compiled:
        raise PulseError(f"could not compile {SLA_ANALYSIS}: {done.stdout[-400:]}")
    return compiled[0].read_text().strip().rstrip(";")


def connect_like_dbt(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse set up as dbt's (threads, memory,
    UTC, the landing database attached), so the compiled analysis runs unchanged."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    con.execute(f"set threads = {int(settings.threads)}")
    con.execute("set memory_limit = ?", [settings.memory_limit])
    con.execute("set temp_directory = ?", [str(settings.temp_dir)])
    con.execute("set preserve_insertion_order = false")
    con.execute("set TimeZone = 'UTC'")
    landing = str(settings.landing_path).replace("'", "''")
    con.execute(f"attach '{landing}' as landing (read_only)")
    return con


def handwritten_seconds(settings: Settings, as_of: datetime, repeats: int = 3) -> float | None:
    """Best time of the compiled hand-written lower-bound query, or None if absent."""
    source = DBT_PROJECT_DIR / "analyses" / f"{SLA_ANALYSIS}.sql"
    if not source.is_file():
        return None
    sql = compile_lower_bound(settings, as_of)
    con = connect_like_dbt(settings)
    try:
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            con.execute(f"create or replace temp table pulse_bench_hand as {sql}")
            best = min(best, time.perf_counter() - started)
        return best
    finally:
        con.close()


# ------------------------------------------------------------------------ dashboard


def launch_chromium(playwright: Any) -> Any:
    """Debian's headless Chromium with the flags `make screenshots` uses (never a
    browser Playwright downloads)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def first_page_loads(base: str, loads: int = 3) -> list[tuple[float, float]]:
    """Seconds until the key results are on screen, and until the network is idle.

    What a VP waits for is the first: the OKR cards drawn from the page callback.
    Playwright's "network idle" adds 500 ms of silence after the last request, so
    it is recorded beside it, not as the figure held against the 1 s target.
    """
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            for _ in range(loads):
                context = browser.new_context()  # a fresh browser cache each time
                page = context.new_page()
                started = time.perf_counter()
                page.goto(base + "/", wait_until="commit", timeout=60_000)
                page.wait_for_selector(".kr-card .kr-value", timeout=60_000)
                shown = time.perf_counter() - started
                page.wait_for_load_state("networkidle", timeout=60_000)
                times.append((shown, time.perf_counter() - started))
                context.close()
        finally:
            browser.close()
    return times


# A page's main content is drawn when the page container holds the page, no Dash
# component is waiting for a callback, every chart has drawn its SVG and every grid
# its table: what a reader waits for, not only the first paint.
MAIN_CONTENT_DRAWN = """() => {
  const root = document.querySelector('#_pages_content');
  if (!root || !root.firstElementChild) return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  for (const g of root.querySelectorAll('.dash-graph')) {
    if (!g.querySelector('.main-svg')) return false;
  }
  const hosts = root.querySelectorAll('.ag-theme-alpine').length;
  return root.querySelectorAll('.ag-root-wrapper').length >= hosts;
}"""
PAGE_DRAW_TARGET_S = 1.0
WARM_VISIT = 3  # the visit timed: the first two fill the browser's caches


def page_paths(settings: Settings) -> list[str]:
    """Every page of the dashboard, the id pages with the first engineer, ticket and KR."""
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        engineer = con.execute("select min(engineer_id) from main.dim_engineer").fetchone()[0]
        ticket = con.execute("select max(ticket_id) from main.fct_tickets").fetchone()[0]
        kr = con.execute("select min(kr_id) from main.fct_okr_kr_breakdown").fetchone()[0]
    finally:
        con.close()
    return [
        "/",
        "/sla",
        "/teams",
        f"/engineer/{engineer}",
        "/customers",
        "/revenue",
        "/quality",
        "/whatif",
        f"/okr/kr/{kr}",
        f"/ticket/{ticket}",
        "/wall",
    ]


def warm_page_draws(base: str, paths: list[str], rounds: int = 3) -> dict[str, dict]:
    """Per page: seconds from navigation to its main content drawn on the third visit in
    one browser context (median of `rounds` fresh contexts), and the callback requests
    that visit made."""
    from playwright.sync_api import sync_playwright

    out: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            for path in paths:
                seconds, callbacks = [], []
                for _ in range(rounds):
                    context = browser.new_context(viewport={"width": 1600, "height": 1000})
                    page = context.new_page()
                    made: list[str] = []  # this visit's callback requests
                    page.on(
                        "request",
                        lambda r, made=made: (
                            made.append(r.url) if "_dash-update-component" in r.url else None
                        ),
                    )
                    for visit in range(1, WARM_VISIT + 1):
                        made.clear()
                        started = time.perf_counter()
                        page.goto(base + path, wait_until="commit", timeout=60_000)
                        page.wait_for_function(MAIN_CONTENT_DRAWN, timeout=60_000, polling=20)
                        if visit == WARM_VISIT:
                            seconds.append(time.perf_counter() - started)
                            callbacks.append(len(made))
                        page.wait_for_timeout(300)  # late timers settle between visits
                    context.close()
                out[path] = {
                    "seconds": statistics.median(seconds),
                    "all": seconds,
                    "callbacks": max(callbacks),
                }
                print(f"  {path}: {out[path]['seconds']:.2f} s", flush=True)
        finally:
            browser.close()
    return out


# Two readings of "20 concurrent clients": people who read each screen for about a
# second before the next click (held against the 150 ms target), and clients that fire
# the next request the moment the last one returns (saturation: the server's ceiling on
# 2 cores shared with the 20 client threads themselves).
PACED_PAUSE_SECONDS = 1.0


def wait_for_warmups(log: Path, workers: int, timeout: float = 180.0) -> bool:
    """Wait until every worker has said in the server log that its warm-up is over
    (done or failed); False when they have not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        if text.count(warmup.WARMED_PREFIX) + text.count(warmup.FAILED_PREFIX) >= workers:
            return True
        time.sleep(0.2)
    return False


def dashboard_figures(settings: Settings, clients: int, seconds: float) -> dict:
    workers = 2
    log = serve_log(settings)
    with served(settings, workers=workers, log=log) as (base, server):
        try:
            # Right after the start both workers render every page into their caches,
            # on the same two cores: a visit in those seconds is the one a VP meets just
            # after a publish. The target is held against the visit after it.
            during = first_page_loads(base)
            if not wait_for_warmups(log, workers):
                print("  the workers' cache warm-up did not end within 180 s", flush=True)
            loads = first_page_loads(base)
        except Exception as exc:  # no browser here: say so, measure the rest
            during, loads = [], []
            print(f"  first page load not measured: {exc}", flush=True)
        try:
            draws = warm_page_draws(base, page_paths(settings))
        except Exception as exc:  # no browser here: say so, measure the rest
            draws = {}
            print(f"  warm page draws not measured: {exc}", flush=True)
        samples = discover(base)
        phases = {}
        for phase, pause in (("paced", PACED_PAUSE_SECONDS), ("saturated", 0.0)):
            with PeakMemory(server.pid) as memory:
                out, elapsed = read_for(
                    base,
                    samples,
                    clients=clients,
                    min_seconds=seconds,
                    max_seconds=seconds * 2,
                    tail_seconds=0,
                    pause=pause,
                )
            phases[phase] = latency_figures(out, elapsed, memory.mib)
    return {"loads": loads, "loads_during_warmup": during, "draws": draws, **phases}


def latency_figures(out: list, elapsed: float, peak_mib: float) -> dict:
    """p50 / p95 per request name, and over every callback, of one load phase."""
    by_name: dict[str, list[float]] = {}
    errors = 0
    for o in out:
        if o.error:
            errors += 1
            continue
        by_name.setdefault(o.name, []).append(o.seconds * 1000)

    def pct(values: list[float], q: int) -> float:
        if len(values) < 2:
            return values[0] if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

    callbacks = {k: v for k, v in by_name.items() if not k.startswith("page ")}
    all_cb = [x for v in callbacks.values() for x in v]
    return {
        "requests": len(out),
        "seconds": elapsed,
        "errors": errors,
        "peak_mib": peak_mib,
        "p50": pct(all_cb, 50),
        "p95": pct(all_cb, 95),
        "per": {k: (len(v), pct(v, 50), pct(v, 95)) for k, v in sorted(by_name.items())},
        "worst_p95": max((pct(v, 95) for v in callbacks.values()), default=float("nan")),
    }


# --------------------------------------------------------------------------- report


def _target_note(scale: str, name: str, seconds: float) -> str:
    target = TARGETS.get(scale, {}).get(name)
    if target is None:
        return ""
    return f"{'met' if seconds <= target else 'MISSED'} (< {target} s)"


def _section_head(title: str, versions: str) -> list[str]:
    """The lines every section of BENCHMARKS.md opens with: title and date, machine,
    versions and the load at the end, since the figures mean little without them."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"## {title}, {now}",
        "",
        f"- machine: {machine_line()}",
        f"- versions: {versions}",
        f"- machine load at the end (1/5/15 min): "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (other work shares the 2 cores)",
    ]


def _data_line(settings: Settings, extra: dict) -> str:
    """What was measured: the extract's size and dates, and DuckDB's limits."""
    return (
        f"- data: {extra.get('tickets', '?')} tickets, {extra.get('events', '?')} events "
        f"({START} .. {END:%Y-%m-%d}, seed {SEED}); DuckDB memory_limit "
        f"{settings.memory_limit}, {settings.threads} threads"
    )


def first_load_lines(
    loads: list[tuple[float, float]], during: list[tuple[float, float]]
) -> list[str]:
    """The first page load line: after the workers' warm-up against the target, the
    loads made during it beside."""
    if not loads:
        return []

    def ms(pairs: list[tuple[float, float]], which: int) -> str:
        return ", ".join(f"{pair[which] * 1000:.0f}" for pair in pairs)

    line = (
        "\nFirst page load in headless Chromium, each with an empty browser cache, once "
        "both workers have warmed their result caches: key results on screen after "
        f"{ms(loads, 0)} ms (target < 1 s); network idle (500 ms of silence included) "
        f"after {ms(loads, 1)} ms"
    )
    if during:
        line += (
            "; while the workers were still warming them right after the server started "
            f"(the seconds after a publish): on screen after {ms(during, 0)} ms"
        )
    return [line]


def report(scale: str, settings: Settings, steps: list[Step], extra: dict) -> str:
    lines = [
        *_section_head(f"Benchmark, scale `{scale}`", versions_line()),
        _data_line(settings, extra),
        "",
        "| step | seconds | peak memory (MiB) | target |",
        "|---|---:|---:|---|",
    ]
    for s in steps:
        if s.note and s.name == "new day's batch":
            lines.append(f"| {s.name} ({s.note}) | {s.seconds:.1f} | {s.peak_mib:.0f} | |")
            continue
        lines.append(
            f"| {s.name} | {s.seconds:.1f} | {s.peak_mib:.0f} | "
            f"{_target_note(scale, s.name, s.seconds)} |"
        )
    peak_target = TARGETS.get(scale, {}).get("peak")
    if peak_target:
        worst = max(s.peak_mib for s in steps)
        lines.append(
            f"\nPeak memory over all steps: {worst:.0f} MiB "
            f"({'met' if worst <= peak_target else 'MISSED'}, target < {peak_target} MiB)"
        )
    stages = extra.get("incremental_stages")
    incremental = next((s for s in steps if s.name == "incremental build"), None)
    if stages and incremental:
        shown = ", ".join(f"{name} {sec:.1f} s" for name, sec in stages.items())
        copy = stages.get("copy", 0.0)
        lines.append(
            f"\nIncremental build by stage (the build's own clock): {shown}; the copy of the "
            f"published warehouse ({extra.get('warehouse_mib', 0):,.0f} MiB) is "
            f"{100 * copy / incremental.seconds:.0f} % of the step's {incremental.seconds:.1f} s"
        )
    sla = extra.get("sla")
    if sla:
        model_s, names, hand_s = sla
        alone = extra.get("sla_alone")
        if hand_s and alone:
            alone_s, alone_names = alone
            lines.append(
                f"\nSLA models against the hand-written lower bound `{SLA_ANALYSIS}` "
                f"({hand_s:.2f} s, best of 3, alone on the published warehouse): run alone "
                f"the same way ({', '.join(alone_names)}), {alone_s:.2f} s of dbt execution "
                f"time, **ratio {alone_s / hand_s:.2f}×** (target ≤ 2×); in the full build, "
                f"sharing the two cores with the nodes dbt runs beside them "
                f"({', '.join(names)}), {model_s:.2f} s, {model_s / hand_s:.2f}×"
            )
        elif hand_s:
            lines.append(
                f"\nSLA models ({', '.join(names)}): {model_s:.2f} s of dbt execution time in "
                f"the full build; hand-written lower bound `{SLA_ANALYSIS}`: {hand_s:.2f} s "
                "(best of 3); "
                f"**ratio {model_s / hand_s:.2f}×** (target ≤ 2×); not measured alone"
            )
        else:
            why = extra.get("sla_error")
            bound = f"the hand-written lower bound `{SLA_ANALYSIS}`"
            if extra.get("sla_skipped"):
                reason = f"{bound} was not run (--skip-sla-bound)"
            elif why:
                reason = f"{bound} failed ({why})"
            else:
                reason = f"`analyses/{SLA_ANALYSIS}.sql` not found"
            lines.append(f"\nSLA models: {model_s:.2f} s in the full build; no ratio: {reason}")
    if extra.get("dashboard_error"):
        lines.append(f"\nDashboard not measured: {extra['dashboard_error']}")
    dash = extra.get("dashboard")
    if dash:
        lines += first_load_lines(dash["loads"], dash.get("loads_during_warmup") or [])
        lines += page_draw_lines(dash.get("draws") or {})
        paced, saturated = dash["paced"], dash["saturated"]
        for label, fig in (
            (
                f"20 clients that pause {PACED_PAUSE_SECONDS:.0f} s (0.5-1.5 s) between "
                "requests, as people reading a screen do (target < 150 ms p95 at 1 M)",
                paced,
            ),
            ("the same 20 clients with no pause (saturation, not a target)", saturated),
        ):
            lines.append(
                f"\nDashboard on loopback, gunicorn 2 workers × 4 threads, {label}: "
                f"{fig['requests']} requests in {fig['seconds']:.0f} s, {fig['errors']} errors, "
                f"server peak {fig['peak_mib']:.0f} MiB: callbacks p50 {fig['p50']:.0f} ms, "
                f"p95 {fig['p95']:.0f} ms; slowest callback p95 {fig['worst_p95']:.0f} ms"
            )
        lines += [
            "",
            "| request | n | p50 ms paced | p95 ms paced | p50 ms saturated | p95 ms saturated |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, (n, p50, p95) in paced["per"].items():
            _, s50, s95 = saturated["per"].get(name, (0, float("nan"), float("nan")))
            lines.append(f"| `{name}` | {n} | {p50:.0f} | {p95:.0f} | {s50:.0f} | {s95:.0f} |")
    return "\n".join(lines) + "\n"


def page_draw_lines(draws: dict[str, dict]) -> list[str]:
    """The warm page draw table of a report (nothing when it was not measured)."""
    if not draws:
        return []
    lines = [
        "",
        f"Warm page draw in headless Chromium (1600×1000): visit {WARM_VISIT} of each page in one "
        "browser context, seconds from navigation until the page's main content is drawn "
        "(every chart's SVG and every grid's table, no `[data-dash-is-loading]` left); "
        "median of fresh contexts, each context's figure beside it",
        "",
        "| page | seconds | each context | callback requests | target |",
        "|---|---:|---|---:|---|",
    ]
    for path, d in draws.items():
        met = "met" if d["seconds"] < PAGE_DRAW_TARGET_S else "MISSED"
        each = ", ".join(f"{x:.2f}" for x in d["all"])
        lines.append(
            f"| `{path}` | {d['seconds']:.2f} | {each} | {d['callbacks']} | "
            f"{met} (< {PAGE_DRAW_TARGET_S:.0f} s) |"
        )
    return lines


def run_page_draws(scale: str) -> str:
    """`--page-draw-only`: the warm page draws against the bench's last build."""
    settings = bench_settings(scale)
    if not settings.warehouse_path.is_file():
        raise PulseError(
            f"no bench build at {shown_path(settings.warehouse_path)}: run "
            f"`make bench SCALE={scale}` once, then `--page-draw-only` again"
        )
    with served(settings, workers=2) as (base, _server):
        draws = warm_page_draws(base, page_paths(settings))
    lines = [
        *_section_head(f"Warm page draw, scale `{scale}`", versions_line()),
        "- the bench's last build, served by gunicorn (2 workers × 4 threads) on loopback",
        *page_draw_lines(draws),
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ DuckDB vs Spark


@dataclass
class EngineRun:
    """One engine's full build of the landed extract, at the bench's as-of."""

    step: Step
    sla: dict[str, float]  # dbt's execution seconds per SLA model; empty if not built
    stages: dict[str, float]  # the build's own seconds per stage
    tally: str = ""  # dbt's closing `PASS=… ERROR=…` line, when the log has one


SPARK_MODE_SKIPS = (
    "not measured with `--engine spark`: the incremental build (on Spark the incremental "
    "SLA models are tables, rebuilt in full every time), the hand-written SLA lower bound "
    "and the dashboard (the same DuckDB file is served whichever engine built it); "
    "`make bench` without `ENGINE=spark` measures them"
)


def spark_versions_line() -> str:
    """pyspark, dbt-spark and the Java runtime, or which of them is missing."""
    parts = []
    for package in ("pyspark", "dbt-spark"):
        try:
            parts.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{package} not installed")
    try:
        done = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=60)
        java = (done.stderr or done.stdout).strip().splitlines()[:1] or ["java: no version"]
        parts.append(java[0])
    except (OSError, subprocess.TimeoutExpired):
        parts.append("no Java runtime")
    return ", ".join(parts)


def dbt_tally(step: Step, log_dir: Path) -> str:
    """dbt's closing `PASS=… WARN=… ERROR=… SKIP=… TOTAL=…` from a step's log, if any."""
    log = log_dir / f"{step.name.replace(' ', '_')}.log"
    for line in reversed(log.read_text(errors="replace").splitlines()):
        if "Done. PASS=" in line:
            return line[line.index("PASS=") :].strip()
    return ""


def _ratio(duckdb_value: float, spark_value: float) -> str:
    return f"{spark_value / duckdb_value:.1f}×" if duckdb_value > 0 else "—"


def _project_relative(text: str) -> str:
    """A log line as a report may record it: no machine directories (BENCHMARKS.md)."""
    return text.replace(f"{PROJECT_ROOT}/", "")


def engine_report(
    scale: str,
    settings: Settings,
    steps: list[Step],
    duck: EngineRun,
    spark: EngineRun,
    extra: dict,
) -> str:
    """The `--engine spark` section: both full builds side by side, Spark / DuckDB.

    A failed Spark build is a line naming the failure and its log, its wall time and
    memory up to the failure still shown; its SLA figures are then left out.
    """
    lines = [
        *_section_head(
            f"DuckDB vs Spark (`make bench ENGINE=spark`), scale `{scale}`",
            f"{versions_line()}; {extra.get('spark_versions', '?')}",
        ),
        f"{_data_line(settings, extra)}; Spark local[{settings.threads}]",
        f"- the same landed extract and as-of ({END:%Y-%m-%d %H:%M} UTC), one build after the "
        "other: `pulse build --full-refresh` (DuckDB: seeds, models, data and unit tests), "
        "then `pulse build --engine spark` (the whole project with its data tests; unit "
        "tests are DuckDB-typed and excluded on Spark, docs/SPARK.md)",
        f"- {SPARK_MODE_SKIPS}",
        "",
        "| step | seconds | peak memory (MiB) |",
        "|---|---:|---:|",
        *(f"| {s.name} | {s.seconds:.1f} | {s.peak_mib:.0f} |" for s in steps),
        "",
        "| full build | DuckDB | Spark | Spark / DuckDB |",
        "|---|---:|---:|---:|",
    ]
    d, k = duck.step, spark.step
    wall = f"{k.seconds:,.1f}" if k.ok else f"failed after {k.seconds:,.1f}"
    lines.append(
        f"| wall time (s) | {d.seconds:,.1f} | {wall} | "
        f"{_ratio(d.seconds, k.seconds) if k.ok else '—'} |"
    )
    lines.append(
        f"| peak memory of the process tree (MiB) | {d.peak_mib:,.0f} | {k.peak_mib:,.0f} | "
        f"{_ratio(d.peak_mib, k.peak_mib) if k.ok else '—'} |"
    )
    duck_sla, spark_sla = sum(duck.sla.values()), sum(spark.sla.values())
    if spark.sla:
        lines.append(
            f"| SLA models, dbt execution time (s) | {duck_sla:,.1f} | {spark_sla:,.1f} | "
            f"{_ratio(duck_sla, spark_sla)} |"
        )
    else:
        lines.append(f"| SLA models, dbt execution time (s) | {duck_sla:,.1f} | — | — |")
    lines.append("")
    if not k.ok:
        lines.append(
            f"**The Spark build failed**: {_project_relative(k.note) or 'no message'} "
            f"(log: `{shown_path(settings.data_dir / 'logs' / k.name.replace(' ', '_'))}.log`)"
            + (f"; dbt: {spark.tally}" if spark.tally else "")
        )
    else:
        shown = ", ".join(f"{name} {sec:,.1f} s" for name, sec in spark.stages.items())
        lines.append(
            f"Spark build by stage (its own clock): {shown or 'not printed'} (dbt: the child "
            "process, JVM start-up, dbt parsing and raw registration included); the JVM "
            f"held {k.jvm_mib:,.0f} MiB of the {k.peak_mib:,.0f} MiB peak"
            + (f"; dbt: {spark.tally}" if spark.tally else "")
        )
    if duck.stages:
        shown = ", ".join(f"{name} {sec:,.1f} s" for name, sec in duck.stages.items())
        lines.append(f"\nDuckDB build by stage (its own clock): {shown}")
    if spark.sla:
        lines += [
            "",
            "| SLA model | DuckDB s | Spark s | Spark / DuckDB |",
            "|---|---:|---:|---:|",
        ]
        for name in [*duck.sla, *(n for n in spark.sla if n not in duck.sla)]:
            a, b = duck.sla.get(name), spark.sla.get(name)
            lines.append(
                f"| {name} | {'—' if a is None else f'{a:.2f}'} | "
                f"{'—' if b is None else f'{b:.2f}'} | "
                f"{_ratio(a, b) if a is not None and b is not None else '—'} |"
            )
    return "\n".join(lines) + "\n"


def _counts(settings: Settings) -> dict:
    con = duckdb.connect(str(settings.landing_path), read_only=True)
    try:
        return {
            "tickets": f"{con.execute('select count(*) from raw.tickets').fetchone()[0]:,}",
            "events": f"{con.execute('select count(*) from raw.ticket_events').fetchone()[0]:,}",
        }
    finally:
        con.close()


def land_extract(scale: str, settings: Settings, logs: Path, *, regenerate: bool) -> list[Step]:
    """Steps 1 and 2, shared by both modes: the extract (generated once, then reused)
    loaded into a fresh landing database, with no warehouse or earlier builds left."""
    data = settings.data_dir
    stamp = data / "raw.stamp"
    wanted = json.dumps({"scale": scale, "start": str(START), "end": END.isoformat(), "seed": SEED})
    steps: list[Step] = []

    if regenerate or not stamp.is_file() or stamp.read_text() != wanted:
        shutil.rmtree(settings.raw_dir, ignore_errors=True)
        stamp.unlink(missing_ok=True)
        steps.append(
            run_step(
                "generate",
                pulse(
                    "generate",
                    "--out",
                    str(settings.raw_dir),
                    "--start",
                    str(START),
                    "--end",
                    END.isoformat(),
                    "--scale",
                    scale,
                    "--seed",
                    str(SEED),
                ),
                settings,
                logs,
            )
        )
        stamp.write_text(wanted)
    else:
        print("- generate: reusing the extract generated earlier (same scale, dates, seed)")

    for path in (settings.landing_path, settings.warehouse_path):
        for candidate in (path, path.with_name(path.name + ".wal")):
            candidate.unlink(missing_ok=True)
    shutil.rmtree(settings.builds_dir, ignore_errors=True)

    steps.append(run_step("load", pulse("load"), settings, logs))
    return steps


def run_bench(
    scale: str,
    *,
    regenerate: bool,
    clients: int,
    dash_seconds: float,
    skip_dashboard: bool,
    skip_sla_bound: bool = False,
) -> str:
    settings = bench_settings(scale)
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"benchmark at scale {scale} in {shown_path(settings.data_dir)}", flush=True)
    steps = land_extract(scale, settings, logs, regenerate=regenerate)
    extra: dict = dict(_counts(settings))
    steps.append(
        run_step(
            "full build",
            pulse("build", "--full-refresh", "--as-of", END.isoformat()),
            settings,
            logs,
        )
    )
    full_build_sla = sla_model_times(dbt_dirs(settings)[0])
    model_s, names = sla_seconds_and_names(full_build_sla)

    new_files: list[Path] = []
    next_day = END + timedelta(days=1)

    def simulate_day() -> str:
        try:
            from warehouse.demo.simulate import append_live_batch
        except ImportError:
            return "warehouse.demo.simulate not available: the incremental build sees no new batch"
        new_files.extend(append_live_batch(settings.raw_dir, now=next_day, seed=SEED + 1))
        return f"{len(new_files)} new batch file(s)"

    try:
        steps.append(run_inline("new day's batch", simulate_day))
        steps.append(run_step("incremental load", pulse("load"), settings, logs))
        steps.append(
            run_step(
                "incremental build", pulse("build", "--as-of", next_day.isoformat()), settings, logs
            )
        )
        extra["incremental_stages"] = build_stages(steps[-1], logs)
        extra["warehouse_mib"] = settings.warehouse_path.stat().st_size / 2**20
    finally:
        for path in new_files:  # keep the generated extract reusable
            path.unlink(missing_ok=True)

    hand = None
    if skip_sla_bound:
        extra["sla_skipped"] = True
    else:
        try:
            hand = handwritten_seconds(settings, next_day)
        except (PulseError, duckdb.Error) as exc:
            print(f"  hand-written SLA query not measured: {exc}", flush=True)
            extra["sla_error"] = str(exc).strip().splitlines()[0]
    extra["sla"] = (model_s, names, hand)
    if hand and full_build_sla:
        print("- SLA models alone (dbt run, one model at a time)", flush=True)
        try:
            extra["sla_alone"] = sla_seconds_and_names(
                sla_models_alone(settings, next_day, list(full_build_sla))
            )
        except PulseError as exc:
            print(f"  SLA models alone not measured: {exc}", flush=True)
    if not skip_dashboard:
        print(f"- dashboard: {clients} clients for {dash_seconds:.0f} s", flush=True)
        try:
            extra["dashboard"] = dashboard_figures(settings, clients, dash_seconds)
        except (PulseError, requests.RequestException, ValueError) as exc:
            print(f"  dashboard not measured: {exc}", flush=True)
            extra["dashboard_error"] = str(exc)
    return report(scale, settings, steps, extra)


def run_engine_comparison(scale: str, *, regenerate: bool) -> str:
    """`--engine spark`: the DuckDB full build, then the Spark full build, of the same
    landed extract at the same as-of, each a `pulse build` subprocess as the CLI runs
    it, timed with its process tree's peak memory."""
    settings = bench_settings(scale)
    logs = settings.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"DuckDB vs Spark at scale {scale} in {shown_path(settings.data_dir)}", flush=True)
    steps = land_extract(scale, settings, logs, regenerate=regenerate)
    extra: dict = {**_counts(settings), "spark_versions": spark_versions_line()}
    as_of = END.isoformat()
    step = run_step(
        "full build", pulse("build", "--full-refresh", "--as-of", as_of), settings, logs
    )
    duck = EngineRun(step, sla_model_times(dbt_dirs(settings)[0]), build_stages(step, logs))
    spark_target = spark_dir(settings) / "dbt" / "target"
    shutil.rmtree(spark_target, ignore_errors=True)  # no earlier run's timings read as this one's
    step = run_step(
        "Spark full build",
        pulse("build", "--engine", "spark", "--as-of", as_of),
        settings,
        logs,
        check=False,
    )
    built = step.ok and (spark_target / "run_results.json").is_file()
    spark = EngineRun(
        step,
        sla_model_times(spark_target) if built else {},
        build_stages(step, logs),
        dbt_tally(step, logs),
    )
    return engine_report(scale, settings, steps, duck, spark, extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.harness.bench")
    parser.add_argument("--scale", choices=("demo", "1m", "10m"), default="demo")
    parser.add_argument("--regenerate", action="store_true", help="generate the extract again")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--dashboard-seconds", type=float, default=30.0)
    parser.add_argument("--skip-dashboard", action="store_true")
    parser.add_argument(
        "--skip-sla-bound",
        action="store_true",
        help="leave out the SLA lower bound and the SLA models alone (3 runs each; 20+ min at 10m)",
    )
    parser.add_argument(
        "--page-draw-only",
        action="store_true",
        help="only the warm page draws, against the bench's last build",
    )
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="spark: the DuckDB and the Spark full build side by side (nothing else)",
    )
    parser.add_argument("--no-record", action="store_true", help="do not append to BENCHMARKS.md")
    args = parser.parse_args(argv)
    if args.engine == "spark" and args.page_draw_only:
        parser.error("--page-draw-only measures the dashboard: leave out --engine spark")
    try:
        if args.engine == "spark":
            section = run_engine_comparison(args.scale, regenerate=args.regenerate)
        elif args.page_draw_only:
            section = run_page_draws(args.scale)
        else:
            section = run_bench(
                args.scale,
                regenerate=args.regenerate,
                clients=args.clients,
                dash_seconds=args.dashboard_seconds,
                skip_dashboard=args.skip_dashboard,
                skip_sla_bound=args.skip_sla_bound,
            )
    except PulseError as exc:
        print(f"pulse: {exc}", file=sys.stderr)
        return 2
    print()
    print(section)
    if not args.no_record:
        print(f"appended to {shown_path(append_benchmarks(section))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
