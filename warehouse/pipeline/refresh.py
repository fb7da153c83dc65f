"""`pulse refresh`: load then build, once or on a schedule (DESIGN s7).

Once (`every=None`): a failed load or build raises PulseError like the single steps.
On a schedule: each cycle starts `every` after the previous one started (right away
when a cycle took longer); a failed cycle is reported in one line and the loop goes
on, because the next batch often fixes it and the published warehouse is untouched
by a failure anyway. Ctrl-C stops cleanly between or during cycles (an interrupted
build publishes nothing).

`before_cycle` runs first in each cycle with the raw directory, the cycle's moment and a
seed, and returns the files it wrote: the live demo passes the simulator's
`append_live_batch` here, so the pipeline does not depend on the demo package.
`after_cycle` runs after a cycle's build with the settings and returns one line for the
report: the command line passes the breach alerts run, which the pipeline never imports.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings

BeforeCycle = Callable[..., Sequence[Path]]
AfterCycle = Callable[[Settings], str]


def _cycle(
    settings: Settings,
    raw_dir: Path,
    *,
    before_cycle: BeforeCycle | None,
    after_cycle: AfterCycle | None = None,
) -> str:
    """One load + build; returns a one-line account of what happened."""
    now = datetime.now(UTC)
    parts: list[str] = []
    if before_cycle is not None:
        files = before_cycle(raw_dir, now=now, seed=int(now.timestamp()) % 2**31)
        parts.append(f"simulated {len(files)} new batch file(s)")
    from warehouse.pipeline.build import build
    from warehouse.pipeline.load import load

    loaded = load(settings, raw_dir, encoding=None, delimiter=None)
    failed_files = list(getattr(loaded, "failed_files", []) or [])
    if failed_files:
        parts.append(f"{len(failed_files)} file(s) refused by the loader (see above)")
    summary = build(settings, as_of=None, full_refresh=False)
    parts.append(f"published build {summary.build_id} in {summary.seconds:.1f} s")
    if after_cycle is not None:
        parts.append(after_cycle(settings))
    return "; ".join(parts)


def refresh(
    settings: Settings,
    raw_dir: Path,
    *,
    every: timedelta | None,
    before_cycle: BeforeCycle | None = None,
    after_cycle: AfterCycle | None = None,
    max_cycles: int | None = None,
) -> None:
    """Load + build once, or every `every` until Ctrl-C (or `max_cycles`, for tests)."""
    if every is None:
        result = _cycle(settings, raw_dir, before_cycle=before_cycle, after_cycle=after_cycle)
        print(f"refresh: {result}", flush=True)
        return
    interval = every.total_seconds()
    print(f"refresh every {every}; Ctrl-C stops", flush=True)
    cycle = 0
    try:
        while max_cycles is None or cycle < max_cycles:
            cycle += 1
            started = time.monotonic()
            stamp = datetime.now(UTC).strftime("%H:%M:%S")
            try:
                result = _cycle(
                    settings, raw_dir, before_cycle=before_cycle, after_cycle=after_cycle
                )
                print(f"[{stamp} UTC] refresh {cycle} ok: {result}", flush=True)
            except PulseError as exc:
                print(f"[{stamp} UTC] refresh {cycle} failed: {exc}", flush=True)
            except Exception as exc:  # a bug, not the user's input: keep the loop alive
                log = settings.data_dir / "refresh-errors.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                with log.open("a") as handle:
                    handle.write(f"--- {stamp} UTC cycle {cycle}\n{traceback.format_exc()}\n")
                print(
                    f"[{stamp} UTC] refresh {cycle} failed: {type(exc).__name__}: {exc} "
                    f"(traceback in {log})",
                    flush=True,
                )
            if max_cycles is not None and cycle >= max_cycles:
                break
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        print("refresh stopped", flush=True)
