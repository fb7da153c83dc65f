"""Local receivers for the alert and digest tests: an HTTP webhook and an SMTP server,
both on 127.0.0.1 with an ephemeral port, both stopped by their fixtures."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Receiver:
    """Records every POST; answers `status` (settable while the server runs)."""

    url: str
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.requests)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.paths.clear()


def serve_receiver() -> Iterator[Receiver]:
    receiver: Receiver | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            assert receiver is not None
            with receiver.lock:
                receiver.requests.append(body)
                receiver.paths.append(self.path)
                status = receiver.status
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_: object) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_port}/hook/SECRET-TOKEN-123")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class MailServer:
    host: str
    port: int
    ca_file: Path
    messages: list[Message] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    tls_sessions: list[bool] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_smtp(workdir: Path, user: str, password: str) -> Iterator[MailServer]:
    """aiosmtpd on 127.0.0.1 requiring STARTTLS (a self-signed certificate for
    127.0.0.1, made here with openssl) and a login before any mail is accepted."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = workdir / "smtp-cert.pem", workdir / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = MailServer("127.0.0.1", _free_port(), cert)

    class Handler:
        async def handle_DATA(self, smtp_server, session, envelope) -> str:
            server.tls_sessions.append(session.ssl is not None)
            server.messages.append(message_from_bytes(envelope.content, policy=default))
            return "250 OK"

    def authenticate(smtp_server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == user and auth_data.password.decode() == password
        )
        if ok:
            server.logins.append(user)
        return AuthResult(success=ok)

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=server.port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticate,
        ready_timeout=10,
        server_hostname="127.0.0.1",
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
