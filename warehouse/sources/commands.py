"""`pulse import zendesk|csv` and `pulse pull zendesk`: arguments and summaries.

`warehouse/cli.py` registers these with two calls (`add_parsers`, `run`), so the
importers' options live beside the importers.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-01-01") from exc


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add `import` and `pull` to the `pulse` command line."""
    imp = sub.add_parser("import", help="turn a helpdesk's export into contract batches")
    kinds = imp.add_subparsers(dest="source", required=True)
    zd = kinds.add_parser("zendesk", help="Zendesk API pages (.json) or JSON Lines")
    zd.add_argument(
        "--from", dest="source_dir", metavar="DIR", required=True, help="the Zendesk export"
    )
    zd.add_argument("--out", metavar="RAW_DIR", help="raw directory (default: PULSE_RAW_DIR)")
    zd.add_argument("--mapping", metavar="FILE", help="TOML mapping file (docs/importers.md)")
    csv = kinds.add_parser("csv", help="any helpdesk's CSV export, described by a mapping file")
    csv.add_argument(
        "--mapping", metavar="FILE", required=True, help="TOML mapping file (docs/importers.md)"
    )
    csv.add_argument(
        "--from", dest="source_dir", metavar="DIR", required=True, help="the vendor's CSV files"
    )
    csv.add_argument("--out", metavar="RAW_DIR", help="raw directory (default: PULSE_RAW_DIR)")

    pull = sub.add_parser("pull", help="fetch a helpdesk's incremental exports")
    vendors = pull.add_subparsers(dest="source", required=True)
    zp = vendors.add_parser("zendesk", help="Zendesk Support incremental exports")
    zp.add_argument("--subdomain", required=True, help="the S of https://S.zendesk.com")
    zp.add_argument("--email", required=True, help="the agent the API token belongs to")
    zp.add_argument("--token-file", required=True, help="file holding the API token")
    zp.add_argument("--since", type=_date, default=None, help="first pull only: start date")
    zp.add_argument(
        "--out", default=None, help="import directory (default: <PULSE_DATA_DIR>/zendesk)"
    )


def _path(text: str | None, default: Path) -> Path:
    return Path(text).expanduser().resolve() if text else default


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run `pulse import ...` or `pulse pull ...`; input problems raise PulseError."""
    if args.command == "import":
        source = _path(args.source_dir, settings.raw_dir)
        out = _path(args.out, settings.raw_dir)
        if source == out:
            raise PulseError("--from and --out are the same directory; import into another one")
        if args.source == "zendesk":
            from warehouse.sources.mapping import ZendeskMapping
            from warehouse.sources.zendesk.importer import import_zendesk

            mapping = ZendeskMapping.from_toml(Path(args.mapping)) if args.mapping else None
            report = import_zendesk(source, out, mapping=mapping, timezone=settings.timezone)
        else:
            from warehouse.sources.csv_mapped import import_csv
            from warehouse.sources.mapping import CsvMapping

            report = import_csv(source, out, CsvMapping.from_toml(Path(args.mapping)))
        print(f"Imported {args.source} from {source} into {out}:")
        print("\n".join(report.lines()))
        print("Next: pulse load" + (f" --raw {out}" if args.out else ""))
        return 0
    from warehouse.sources.zendesk.pull import pull_zendesk

    out = _path(args.out, settings.data_dir / "zendesk")
    summary = pull_zendesk(
        subdomain=args.subdomain,
        email=args.email,
        token_file=Path(args.token_file),
        out=out,
        since=args.since,
    )
    print("\n".join(summary))
    print(f"Next: pulse import zendesk --from {out}")
    return 0
