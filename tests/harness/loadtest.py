"""`make loadtest`: refresh the warehouse while many clients read the dashboard.

DESIGN s8 (reliability): "refresh while 20 clients read — no errors, no torn reads".
This module

1. serves the dashboard with gunicorn on a free loopback port (`pulse serve`),
2. discovers the app's callbacks like a browser does (`/_dash-layout`,
   `/_dash-dependencies`, then firing callbacks whose inputs are known, page by page,
   collecting the components they return) and keeps the requests it made as samples,
3. runs N client threads that replay those callback requests
   (`POST /_dash-update-component`) and page loads for a bounded time, while
   `pulse refresh` runs once or a few times in the background,
4. checks every response: HTTP errors and Dash callback errors count as errors; the
   `X-Pulse-Build` header (set by the data layer from the one build a request read)
   must be a build that was actually published, and the body must not mention any
   other published build id (a torn read would mix two builds in one response),
5. reports p50/p95 latency per callback and overall, and appends to BENCHMARKS.md.

Nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import requests

from warehouse.core.errors import PulseError
from warehouse.core.settings import PROJECT_ROOT, Settings, load_settings

BUILD_HEADER = "X-Pulse-Build"
BUILD_ID_RE = re.compile(r"\d{8}T\d{6}_\d{3}Z")


# ----------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(settings.to_env())
    env["PULSE_AUTH"] = "none"  # the load test measures the app, not the login
    env.update(extra)
    return env


def serve_log(settings: Settings) -> Path:
    """Where `served` writes the server's output unless told otherwise."""
    return settings.data_dir / "loadtest-serve.log"


@contextlib.contextmanager
def served(
    settings: Settings, *, workers: int = 2, port: int | None = None, log: Path | None = None
):
    """Run `pulse serve` on 127.0.0.1 for the body; yields the base URL."""
    port = port or free_port()
    log = log or serve_log(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "warehouse.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=server_env(settings),
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=PROJECT_ROOT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise PulseError(f"the dashboard server exited at start-up; see {log}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + "/_dash-layout", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise PulseError(f"the dashboard server did not answer within 90 s; see {log}")
            time.sleep(0.3)
        yield base, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(5)
        handle.close()


# ------------------------------------------------------------- discovering callbacks


@dataclass
class Sample:
    name: str  # the callback's outputs (and page) for reporting
    method: str  # "POST" for a callback, "GET" for a page
    path: str
    payload: dict | None = None


def _walk_components(node, found: dict[str, dict], hrefs: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_components(item, found, hrefs)
        return
    if not isinstance(node, dict):
        return
    props = node.get("props")
    if isinstance(props, dict) and "type" in node:
        cid = props.get("id")
        if isinstance(cid, str):
            found.setdefault(cid, {}).update(props)
            found[cid]["__type__"] = node.get("type")
        href = props.get("href")
        if isinstance(href, str) and href.startswith("/") and not href.startswith("//"):
            hrefs.add(href.split("?")[0].split("#")[0])
        for value in props.values():
            if isinstance(value, dict | list):
                _walk_components(value, found, hrefs)
    else:
        for value in node.values():
            if isinstance(value, dict | list):
                _walk_components(value, found, hrefs)


def _split_outputs(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    result = []
    for part in parts:
        cid, _, prop = part.rpartition(".")
        result.append((cid, prop))
    return result


def _dep(item: dict, components: dict[str, dict]) -> dict:
    entry = {"id": item["id"], "property": item["property"]}
    props = components.get(item["id"], {})
    if item["property"] in props:
        entry["value"] = props[item["property"]]
    return entry


_NOT_PAGES = ("/lang/", "/assets/", "/_dash", "/download", "/export")


def discover(
    base: str,
    *,
    max_rounds: int = 4,
    max_pages: int = 25,
    timeout: float = 60.0,
    headers: dict[str, str] | None = None,
    pages: tuple[str, ...] = (),
) -> list[Sample]:
    """Fire every resolvable callback once per page, as a browser would, and keep them."""
    http = requests.Session()
    http.headers.update(headers or {})
    layout = http.get(base + "/_dash-layout", timeout=timeout).json()
    deps = http.get(base + "/_dash-dependencies", timeout=timeout).json()
    initial: dict[str, dict] = {}
    hrefs: set[str] = {"/", *pages}
    _walk_components(layout, initial, hrefs)
    usable = []
    for cb in deps:
        ids = [d["id"] for d in cb.get("inputs", []) + cb.get("state", [])]
        outputs = _split_outputs(cb["output"])
        if cb.get("clientside_function") or any(
            not isinstance(i, str) or i.startswith("{") for i in ids
        ):
            continue
        if any(cid.startswith("{") for cid, _ in outputs):
            continue
        usable.append(cb)
    location_ids = [cid for cid, props in initial.items() if props.get("__type__") == "Location"]

    samples: list[Sample] = []
    seen: set[str] = set()
    visited: list[str] = []
    while len(visited) < max_pages + len(pages):
        todo = sorted(h for h in hrefs if h not in visited and not h.startswith(_NOT_PAGES))
        if not todo:
            break
        page = todo[0]
        visited.append(page)
        components = {cid: dict(props) for cid, props in initial.items()}
        for loc in location_ids:
            components[loc].update(pathname=page, href=base + page, search="", hash="")
        fired: set[str] = set()
        for _ in range(max_rounds):
            progress = False
            for cb in usable:
                if cb["output"] in fired:
                    continue
                if not all(d["id"] in components for d in cb.get("inputs", [])):
                    continue
                outputs = _split_outputs(cb["output"])
                payload = {
                    "output": cb["output"],
                    "outputs": (
                        [{"id": c, "property": p} for c, p in outputs]
                        if cb["output"].startswith("..")
                        else {"id": outputs[0][0], "property": outputs[0][1]}
                    ),
                    "inputs": [_dep(d, components) for d in cb.get("inputs", [])],
                    "changedPropIds": [],
                    "state": [_dep(d, components) for d in cb.get("state", [])],
                }
                fired.add(cb["output"])
                progress = True
                try:
                    response = http.post(
                        base + "/_dash-update-component", json=payload, timeout=timeout
                    )
                except requests.RequestException:
                    continue
                if response.status_code != 200:
                    continue  # 204 = nothing to update; errors show up in the load phase
                with contextlib.suppress(ValueError):
                    for cid, props in (response.json().get("response") or {}).items():
                        components.setdefault(cid, {}).update(props)
                        _walk_components(props, components, hrefs)
                # a callback's input being the URL makes it page-specific
                page_specific = any(d["id"] in location_ids for d in cb.get("inputs", []))
                key = f"{page}|{cb['output']}" if page_specific else cb["output"]
                if key in seen:
                    continue
                seen.add(key)
                label = _label(cb["output"]) + (f" @{page}" if page_specific else "")
                samples.append(Sample(label, "POST", "/_dash-update-component", payload))
            if not progress:
                break
    for page in visited:
        samples.append(Sample(f"page {page}", "GET", page))
    return samples


def _label(output: str) -> str:
    names = [f"{c}.{p}" for c, p in _split_outputs(output)]
    text = names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "")
    return text if len(text) <= 60 else text[:59] + "…"


# -------------------------------------------------------------------- the load phase


@dataclass
class Observation:
    name: str
    seconds: float
    status: int
    build: str | None
    error: str | None = None
    torn: str | None = None
    mentioned: frozenset[str] = frozenset()  # build ids found in the body


@dataclass
class LoadResult:
    clients: int
    seconds: float
    requests: int
    errors: int
    torn: int
    builds_seen: list[str]
    builds_published: list[str]
    refreshes_ok: int
    refreshes_failed: int
    p50_ms: float
    p95_ms: float
    per_callback: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    callbacks: int = 0


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _check_body(obs: Observation, published: set[str]) -> None:
    others = {b for b in obs.mentioned if b in published and b != obs.build}
    if others and obs.build:
        obs.torn = f"{obs.name}: header {obs.build} but body mentions {sorted(others)}"


def client_loop(
    base: str,
    samples: list[Sample],
    stop: threading.Event,
    out: list[Observation],
    seed: int,
    pause: float = 0.0,
) -> None:
    """Replay `samples` in random order; `pause` > 0 waits 0.5-1.5x that between requests
    (a person reading the screen), 0 sends the next request at once (saturation)."""
    rng = random.Random(seed)
    http = requests.Session()
    order = samples[:]
    while not stop.is_set():
        rng.shuffle(order)
        for sample in order:
            if stop.is_set():
                break
            started = time.perf_counter()
            try:
                if sample.method == "POST":
                    response = http.post(base + sample.path, json=sample.payload, timeout=60)
                else:
                    response = http.get(base + sample.path, timeout=60)
                seconds = time.perf_counter() - started
                obs = Observation(
                    sample.name, seconds, response.status_code, response.headers.get(BUILD_HEADER)
                )
                if response.status_code not in (200, 204):
                    obs.error = (
                        f"{sample.name}: HTTP {response.status_code} {response.text[:160]!r}"
                    )
                if response.status_code == 200:
                    obs.mentioned = frozenset(BUILD_ID_RE.findall(response.text))
            except requests.RequestException as exc:
                obs = Observation(
                    sample.name, time.perf_counter() - started, 0, None, f"{sample.name}: {exc}"
                )
            out.append(obs)
            if pause > 0:
                stop.wait(rng.uniform(0.5 * pause, 1.5 * pause))


def read_for(
    base: str,
    samples: list[Sample],
    *,
    clients: int,
    min_seconds: float,
    max_seconds: float,
    busy=lambda: False,
    tail_seconds: float = 5.0,
    pause: float = 0.0,
) -> tuple[list[Observation], float]:
    """`clients` threads replay `samples` for at least `min_seconds` and while `busy()`."""
    stop = threading.Event()
    out: list[Observation] = []
    threads = [
        threading.Thread(target=client_loop, args=(base, samples, stop, out, i, pause), daemon=True)
        for i in range(clients)
    ]
    started = time.monotonic()
    idle_since: float | None = None
    for t in threads:
        t.start()
    while True:
        now = time.monotonic()
        if busy():
            idle_since = None
        elif idle_since is None:
            idle_since = now
        elapsed = now - started
        # keep reading a little after the last refresh so the new build is served too
        settled = idle_since is not None and now - idle_since >= tail_seconds
        if elapsed >= max_seconds or (elapsed >= min_seconds and settled):
            break
        time.sleep(0.25)
    stop.set()
    for t in threads:
        t.join(90)
    return out, time.monotonic() - started


def published_builds(settings: Settings) -> list[str]:
    """Every build id recorded in the published warehouse's history."""
    if not settings.warehouse_path.is_file():
        return []
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        try:
            rows = con.execute(
                "select build_id from main.pulse_build_history order by built_at"
            ).fetchall()
        except duckdb.Error:
            rows = con.execute("select build_id from main.pulse_build").fetchall()
        return [r[0] for r in rows]
    finally:
        con.close()


def run_load(
    settings: Settings,
    *,
    clients: int = 20,
    min_seconds: float = 30.0,
    max_seconds: float = 300.0,
    refreshes: int = 1,
    simulate: bool = False,
    workers: int = 2,
    refresh_env: dict[str, str] | None = None,
    quiet: bool = False,
) -> LoadResult:
    """Serve, discover, then read with `clients` threads while `refreshes` refreshes run."""
    if not settings.warehouse_path.is_file():
        raise PulseError(
            f"no published warehouse at {settings.warehouse_path}: run `pulse load` and "
            "`pulse build` (or `make run`) first"
        )
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    with served(settings, workers=workers) as (base, _server):
        samples = discover(base)
        callbacks = sum(1 for s in samples if s.method == "POST")
        say(
            f"load test: {callbacks} callback requests and {len(samples) - callbacks} pages "
            f"discovered; {clients} clients on {base}"
        )
        refresh_log: list[tuple[int, str]] = []

        def refresher() -> None:
            time.sleep(min(5.0, min_seconds / 4))
            env = refresh_env or server_env(settings)
            for _ in range(refreshes):
                cmd = [sys.executable, "-m", "warehouse.cli", "refresh"]
                if simulate:
                    cmd.append("--simulate")
                done = subprocess.run(
                    cmd, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT
                )
                tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
                refresh_log.append((done.returncode, tail[0]))
                say(f"  refresh {'ok' if done.returncode == 0 else 'FAILED'}: {tail[0][:160]}")

        refresh_thread = threading.Thread(target=refresher, daemon=True)
        refresh_thread.start()
        out, seconds = read_for(
            base,
            samples,
            clients=clients,
            min_seconds=min_seconds,
            max_seconds=max_seconds,
            busy=refresh_thread.is_alive,
        )
        refresh_thread.join(600)

    published = published_builds(settings)
    published_set = set(published)
    errors = [o for o in out if o.error]
    for o in out:
        if o.build and o.build not in published_set and not o.build.startswith("mtime-"):
            o.torn = f"{o.name}: build {o.build} was never published"
        elif not o.torn:
            _check_body(o, published_set)
    torn = [o for o in out if o.torn]
    by_name: dict[str, list[float]] = defaultdict(list)
    for o in out:
        if not o.error:
            by_name[o.name].append(o.seconds * 1000)
    all_ms = [ms for values in by_name.values() for ms in values]
    return LoadResult(
        clients=clients,
        seconds=seconds,
        requests=len(out),
        errors=len(errors),
        torn=len(torn),
        builds_seen=sorted({o.build for o in out if o.build}),
        builds_published=published,
        refreshes_ok=sum(1 for code, _ in refresh_log if code == 0),
        refreshes_failed=sum(1 for code, _ in refresh_log if code != 0),
        p50_ms=_percentile(all_ms, 50),
        p95_ms=_percentile(all_ms, 95),
        per_callback={
            name: (len(v), _percentile(v, 50), _percentile(v, 95))
            for name, v in sorted(by_name.items())
        },
        error_examples=[o.error for o in errors[:5]] + [o.torn for o in torn[:5]],
        callbacks=callbacks,
    )


# ------------------------------------------------------------------------- reporting


def machine_line() -> str:
    cpu = platform.processor() or "unknown cpu"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import psutil

    ram = psutil.virtual_memory().total / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {ram:.0f} GiB RAM, Linux {platform.release()}"


def versions_line() -> str:
    import dash
    import dbt.version

    return (
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}, "
        f"dbt-core {dbt.version.__version__}, dash {dash.__version__}"
    )


def format_load_result(result: LoadResult, title: str) -> str:
    lines = [
        f"### {title}",
        "",
        f"- {result.clients} concurrent clients for {result.seconds:.0f} s, "
        f"{result.requests} requests ({result.callbacks} distinct callback requests + pages)",
        f"- refreshes during the run: {result.refreshes_ok} ok, {result.refreshes_failed} failed; "
        f"builds served: {len(result.builds_seen)} ({', '.join(result.builds_seen)})",
        f"- **errors: {result.errors}**, **torn reads: {result.torn}**",
        f"- latency over all requests: p50 {result.p50_ms:.0f} ms, p95 {result.p95_ms:.0f} ms",
        "",
        "| request | n | p50 ms | p95 ms |",
        "|---|---:|---:|---:|",
    ]
    for name, (n, p50, p95) in result.per_callback.items():
        lines.append(f"| `{name}` | {n} | {p50:.0f} | {p95:.0f} |")
    if result.error_examples:
        lines += ["", "Examples of errors:", *[f"- {e}" for e in result.error_examples]]
    return "\n".join(lines) + "\n"


def shown_path(path: Path | str) -> str:
    """A path as the harnesses print and record it: relative to the project root when
    inside it, else just the file name, so BENCHMARKS.md never names a machine's
    directories."""
    path = Path(path)
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.name


def append_benchmarks(section: str) -> Path:
    path = PROJECT_ROOT / "BENCHMARKS.md"
    if not path.is_file():
        path.write_text(
            "# Benchmarks\n\nMeasured by `make bench` and `make loadtest` (DESIGN s8); newest "
            "last. Timings are never asserted in tests.\n"
        )
    with path.open("a") as handle:
        handle.write("\n" + section)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.harness.loadtest", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="minimum duration")
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--refreshes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--simulate", action="store_true", help="append live demo batches before each refresh"
    )
    parser.add_argument("--no-record", action="store_true", help="do not append to BENCHMARKS.md")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        result = run_load(
            settings,
            clients=args.clients,
            min_seconds=args.seconds,
            max_seconds=args.max_seconds,
            refreshes=args.refreshes,
            simulate=args.simulate,
            workers=args.workers,
        )
    except PulseError as exc:
        print(f"pulse: {exc}", file=sys.stderr)
        return 2
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = format_load_result(result, f"Load test, {now}")
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    section += f"\n- machine: {machine_line()}\n- versions: {versions_line()}\n"
    section += f"- machine load at the end (1/5/15 min): {load}\n"
    section += (
        f"- data: {shown_path(settings.warehouse_path)} ({json.dumps(_scale_hint(settings))})\n"
    )
    print(section)
    if not args.no_record:
        print(f"appended to {shown_path(append_benchmarks(section))}")
    return 0 if result.errors == 0 and result.torn == 0 else 1


def _scale_hint(settings: Settings) -> dict[str, int]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return {"tickets": con.execute("select count(*) from main.fct_tickets").fetchone()[0]}
    except duckdb.Error:
        return {}
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
