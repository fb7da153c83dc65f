"""`pulse`: the one command line of Support Pulse (DESIGN s7).

Each subcommand parses its arguments here and hands them to the module that does the
work. Problems with input or environment arrive as `PulseError` and are printed as one
sentence with exit status 2; only genuine bugs show a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime, timedelta

from warehouse.core.arguments import OneLineParser, add_serve_arguments
from warehouse.core.errors import ENVIRONMENT_ERRNOS, PulseError, data_dir_error
from warehouse.core.settings import Settings, load_settings


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-01-01") from exc


def _parse_end(text: str) -> datetime | None:
    """`now` (None, resolved by the generator) or an ISO date/time, naive read as UTC."""
    if text == "now":
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not 'now' or an ISO date/time") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _parse_instant(text: str) -> datetime:
    value = _parse_end(text)
    if value is None:
        return datetime.now(UTC)
    return value


def parse_duration(text: str) -> timedelta:
    """`90s`, `5m`, `2h` or a bare number of seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = (text[:-1], text[-1]) if text and text[-1] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 5m") from exc
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the interval must be positive")
    return timedelta(seconds=seconds)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="pulse", description="Support Pulse: support metrics warehouse and dashboard."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write realistic synthetic extracts")
    gen.add_argument("--out", type=str, default=None, help="raw directory (default: PULSE_RAW_DIR)")
    gen.add_argument("--start", type=_parse_date, default=date(2025, 1, 1))
    gen.add_argument("--end", type=_parse_end, default=None, help="ISO date/time or 'now'")
    gen.add_argument("--scale", choices=("demo", "1m", "10m"), default="demo")
    gen.add_argument("--seed", type=int, default=42)

    load = sub.add_parser("load", help="validate extracts and land them in the landing database")
    load.add_argument(
        "--raw", type=str, default=None, help="raw directory (default: PULSE_RAW_DIR)"
    )
    load.add_argument("--encoding", default=None, help="force a CSV encoding, e.g. cp1251")
    load.add_argument("--delimiter", default=None, help="force a CSV delimiter, e.g. ';'")

    build = sub.add_parser("build", help="run the dbt project and publish the warehouse")
    build.add_argument(
        "--as-of", type=_parse_instant, default=None, help="ISO time the clocks stop at"
    )
    build.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    build.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="where dbt runs: DuckDB (default) or local Apache Spark (docs/SPARK.md)",
    )

    refresh = sub.add_parser("refresh", help="load then build, once or on a schedule")
    refresh.add_argument("--every", type=parse_duration, default=None, help="e.g. 5m")
    refresh.add_argument("--raw", type=str, default=None)
    refresh.add_argument(
        "--simulate",
        action="store_true",
        help="before each refresh, append a batch of new live ticket activity (demo only)",
    )

    alerts = sub.add_parser("alerts", help="post SLA breach alerts not sent yet")
    alerts.add_argument("--now", type=_parse_instant, default=None, help="ISO time to judge at")
    digest = sub.add_parser("digest", help="render (and --send) a weekly or quarterly digest")
    digest.add_argument(
        "--kind", choices=("vp-weekly", "lead-weekly", "okr-quarterly"), required=True
    )
    digest.add_argument("--to", action="append", default=[], help="a configured recipient")
    digest.add_argument("--send", action="store_true", help="mail them (default: files only)")
    digest.add_argument("--lang", choices=("ru", "en"), default="ru", help="a preview's language")
    cal = sub.add_parser("calendar", help="holiday calendars from the holidays package")
    cal_sub = cal.add_subparsers(dest="calendar_command", required=True)
    cal_update = cal_sub.add_parser("update", help="write seeds/holidays.csv")
    cal_update.add_argument("--years", default="2024-2028", help="e.g. 2024-2028")
    cal_update.add_argument("--countries", default="RU,KZ,BY,DE", help="e.g. RU,KZ,BY")

    add_serve_arguments(sub.add_parser("serve", help="serve the dashboard"))

    from warehouse.sources import commands as source_commands

    source_commands.add_parsers(sub)  # pulse import zendesk|csv, pulse pull zendesk
    return parser


def run(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    if args.command == "generate":
        from pathlib import Path

        from warehouse.demo.generate import generate

        out = Path(args.out).resolve() if args.out else settings.raw_dir
        generate(out, start=args.start, end=args.end, scale=args.scale, seed=args.seed)
    elif args.command == "load":
        from pathlib import Path

        from warehouse.pipeline.load import load

        raw = Path(args.raw).resolve() if args.raw else settings.raw_dir
        summary = load(settings, raw, encoding=args.encoding, delimiter=args.delimiter)
        return 1 if summary.failed_files else 0
    elif args.command == "build" and args.engine == "spark":
        from warehouse.pipeline.spark_build import build_spark

        build_spark(settings, as_of=args.as_of)
    elif args.command == "build":
        from warehouse.pipeline.build import build

        build(settings, as_of=args.as_of, full_refresh=args.full_refresh)
    elif args.command == "refresh":
        from pathlib import Path

        from warehouse.pipeline.refresh import refresh

        raw = Path(args.raw).resolve() if args.raw else settings.raw_dir
        before_cycle = None
        if args.simulate:
            from warehouse.demo.simulate import append_live_batch

            before_cycle = append_live_batch
        from warehouse.alerts.run import after_refresh, alerts_configured

        after_cycle = after_refresh if alerts_configured(settings) else None
        refresh(settings, raw, every=args.every, before_cycle=before_cycle, after_cycle=after_cycle)
    elif args.command == "alerts":
        from warehouse.alerts.run import run_alerts

        print(run_alerts(settings, now=args.now).line())
    elif args.command == "digest":
        forward = ["--kind", args.kind, "--lang", args.lang, *(["--send"] if args.send else [])]
        _exec_module(settings, "dashboard.digest", forward + [f"--to={a}" for a in args.to])
    elif args.command == "calendar":
        from warehouse.pipeline import calendar

        calendar.update_calendar(
            calendar.parse_years(args.years), calendar.parse_countries(args.countries)
        )
    elif args.command == "serve":
        _exec_dashboard(settings, args)
    elif args.command in ("import", "pull"):
        from warehouse.sources import commands as source_commands

        return source_commands.run(args, settings)
    return 0


def _exec_module(settings: Settings, module: str, argv: list[str]) -> None:
    """Replace this process with `python -m module argv...` (see `_exec_dashboard`)."""
    sys.stdout.flush()
    argv = [sys.executable, "-m", module, *argv]
    os.execve(sys.executable, argv, {**os.environ, **settings.to_env()})


def _exec_dashboard(settings: Settings, args: argparse.Namespace) -> None:
    """Replace this process with the dashboard server.

    The dashboard is a separate package that reads only the published warehouse; the
    pipeline never imports it. Settings cross over the one way every child process
    gets them (`Settings.to_env`), and `exec` keeps Ctrl-C and the process id intact.
    """
    argv = [sys.executable, "-m", "dashboard.serve", "--host", args.host]
    argv += ["--port", str(args.port), "--workers", str(args.workers)]
    if args.dev:
        argv.append("--dev")
    sys.stdout.flush()
    os.execve(sys.executable, argv, {**os.environ, **settings.to_env()})


def main(argv: list[str] | None = None) -> None:
    try:
        code = run(argv)
    except PulseError as exc:
        print(f"pulse: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        # The steps name their own paths (data_dir_error); this catches a full, read-only
        # or forbidden file system anywhere else. Other OSErrors may be bugs: traceback.
        if exc.errno not in ENVIRONMENT_ERRNOS:
            raise
        where = f" {exc.filename}" if exc.filename else ""
        print(f"pulse: {data_dir_error(exc, f'cannot write{where}')}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("pulse: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code)


if __name__ == "__main__":
    main()
