"""`pulse serve`: the dashboard under gunicorn (or Dash's debug server with `--dev`).

Production serving is gunicorn's threaded workers (`gthread`): a few processes, each
with a handful of threads, so a slow callback never blocks the rest and a crashed
worker is replaced. The app is imported in each worker after the fork (no
`preload_app`), because DuckDB connections must not cross a fork. Workers read the
published warehouse read-only and never wait for loads or builds (DESIGN s2).

The server binds to 127.0.0.1 unless told otherwise (DESIGN s8); binding elsewhere
without authentication prints a warning.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import sys

from warehouse.core.errors import PulseError
from warehouse.core.settings import Settings

THREADS_PER_WORKER = 4


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _preflight(settings: Settings, host: str, port: int) -> None:
    """Refuse what cannot work (auth, users file, address) before warning about the rest."""
    if settings.auth_mode not in ("none", "basic", "header"):
        raise PulseError(f"unknown auth mode {settings.auth_mode!r}: use none, basic or header")
    if settings.auth_mode != "none":
        from dashboard.auth import load_users

        load_users(settings.users_file)  # a bad users file fails here, in one line
    _check_bind(host, port)
    if not _is_loopback(host) and settings.auth_mode == "none":
        print(
            f"warning: serving on {host} without authentication; anyone who can reach this "
            "machine sees every engineer's numbers (set PULSE_AUTH=basic or header)",
            file=sys.stderr,
        )
    if not settings.warehouse_path.is_file():
        print(
            f"no published warehouse at {settings.warehouse_path} yet: pages stay empty "
            "until `pulse load` and `pulse build` have run",
            file=sys.stderr,
        )


def _check_bind(host: str, port: int) -> None:
    """Bind the address once before starting the server, so that a port in use, a
    privileged port or an address of another machine is one sentence from `pulse`
    rather than gunicorn retrying for five seconds and logging each attempt. (Another
    program can still take the port in the instant between; gunicorn then reports it.)
    """
    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise PulseError(
            f"cannot serve on {where}: {host!r} does not resolve ({exc.strerror}); "
            "use an address of this machine, e.g. --host 127.0.0.1"
        ) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            probe.bind(address)
        except OSError as exc:
            fixes = {
                errno.EADDRINUSE: "another program is listening there; stop it or pick "
                "another --port",
                errno.EACCES: "ports below 1024 need special rights; pick --port 1024 or above",
                errno.EADDRNOTAVAIL: f"{host} is not an address of this machine; use "
                "--host 127.0.0.1, or 0.0.0.0 for every interface",
            }
            fix = fixes.get(exc.errno or 0, "check --host and --port")
            raise PulseError(f"cannot serve on {where} ({exc.strerror}): {fix}") from None


def _prepare_worker(_worker: object) -> None:
    """gunicorn hook, in each worker once the app is loaded and before it takes
    requests: finish Dash's setup (dashboard.app.finish_dash_setup), then keep that
    worker's result cache warm for every published build (dashboard.warmup)."""
    from dashboard import warmup
    from dashboard.app import app, finish_dash_setup, server
    from dashboard.components.context import SETTINGS_KEY

    finish_dash_setup(app)
    warmup.start(server, server.config[SETTINGS_KEY])


def serve(settings: Settings, *, host: str, port: int, workers: int, dev: bool) -> None:
    """Serve the dashboard until interrupted."""
    _preflight(settings, host, port)
    os.environ.update(settings.to_env())
    url = f"http://{host}:{port}/"
    if dev:
        from dashboard.app import create_app

        app = create_app(settings)
        print(f"Support Pulse (Dash debug server) on {url}", flush=True)
        app.run(host=host, port=port, debug=True)
        return

    from gunicorn.app.base import BaseApplication

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "timeout": 120,
        "graceful_timeout": 10,
        "keepalive": 5,
        "preload_app": False,
        "accesslog": os.environ.get("PULSE_ACCESS_LOG") or None,
        "errorlog": "-",
        "loglevel": os.environ.get("PULSE_LOG_LEVEL", "warning"),
        "proc_name": "pulse-serve",
        # The header mode trusts a header set by the proxy in front; never let a
        # client's own forwarded-for headers change what gunicorn believes.
        "forwarded_allow_ips": "127.0.0.1,::1",
        "post_worker_init": _prepare_worker,
    }

    class PulseApplication(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self):
            from dashboard.app import server

            return server

    print(
        f"Support Pulse on {url} (gunicorn, {options['workers']} workers × "
        f"{THREADS_PER_WORKER} threads, auth: {settings.auth_mode}); Ctrl-C stops",
        flush=True,
    )
    PulseApplication().run()


def main(argv: list[str] | None = None) -> None:
    """`python -m dashboard.serve`: what `pulse serve` execs, configured by the environment."""
    from warehouse.core.arguments import OneLineParser, add_serve_arguments
    from warehouse.core.settings import load_settings

    parser = OneLineParser(prog="pulse serve")
    add_serve_arguments(parser)
    args = parser.parse_args(argv)
    try:
        serve(load_settings(), host=args.host, port=args.port, workers=args.workers, dev=args.dev)
    except PulseError as exc:
        print(f"pulse: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
