"""Command-line argument types shared by `pulse` and `python -m dashboard.serve`.

`pulse serve` execs the dashboard's own entry point; both parse the serve options with
these definitions so a bad port or host is refused the same way, in one line, by
whichever process reads it first. They live in the core so the dashboard does not
import the CLI above it.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
from typing import NoReturn


def parse_port(text: str) -> int:
    """A TCP port a server can listen on (argparse type for `pulse serve --port`)."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use a number from 1 to 65535")
    return port


# A host name (RFC 1123 labels) or an IPv4/IPv6 address; whether it belongs to this
# machine is checked when the server binds (dashboard.serve).
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def parse_host(text: str) -> str:
    """An address or host name to listen on (argparse type for `pulse serve --host`)."""
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    labels = text.rstrip(".").split(".")
    if len(text) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a host name or IP address: use e.g. 127.0.0.1 or 0.0.0.0"
        )
    return text


def parse_workers(text: str) -> int:
    """How many gunicorn worker processes (argparse type for `pulse serve --workers`)."""
    try:
        workers = int(text)
    except ValueError:
        workers = 0
    if not 1 <= workers <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a worker count: use 1 to 64")
    return workers


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (DESIGN s7), not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """`pulse serve`'s options, shared with `python -m dashboard.serve` so both check alike."""
    parser.add_argument("--host", type=parse_host, default="127.0.0.1")
    parser.add_argument("--port", type=parse_port, default=8050)
    parser.add_argument("--workers", type=parse_workers, default=4)
    parser.add_argument(
        "--dev", action="store_true", help="Dash's debug server instead of gunicorn"
    )
