"""A rendered digest on disk (HTML and PDF) and in the mail (HTML with inline images,
the PDF attached), sent over SMTP with STARTTLS.

The PDF is the HTML printed by Debian's headless Chromium (`--print-to-pdf`): the same
engine that draws the dashboard, no extra Python dependency, CSS page breaks honoured.
Each call gets its own throw-away profile directory so parallel digests do not fight
over Chromium's profile lock.
"""

from __future__ import annotations

import base64
import re
import shutil
import smtplib
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from warehouse.core.errors import PulseError
from warehouse.core.notify_config import SmtpConfig

PDF_TIMEOUT_S = 120


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html_file: str  # images as data: URIs
    html_mail: str  # images as cid: references
    images: dict[str, bytes]  # cid name -> PNG


class ImageCollector:
    """`image` callbacks for the two media: data URIs for files, cid parts for mail."""

    def __init__(self) -> None:
        self.images: dict[str, bytes] = {}

    def data_uri(self, name: str, png: bytes) -> str:
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")

    def cid(self, name: str, png: bytes) -> str:
        self.images[name] = png
        return f"cid:{name}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "digest"


def print_pdf(html_path: Path, pdf_path: Path, chromium: str) -> None:
    """Print `html_path` to `pdf_path` with headless Chromium (A4 from the page's CSS)."""
    binary = shutil.which(chromium)
    if binary is None:
        raise PulseError(
            f"Chromium is not at {chromium}: install Debian's chromium (`make browser`) or "
            "set [digest] chromium in pulse.toml"
        )
    with tempfile.TemporaryDirectory(prefix="pulse-chromium-") as profile:
        argv = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.as_uri(),
        ]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise PulseError(f"Chromium took over {PDF_TIMEOUT_S} s to print {html_path}") from None
    if done.returncode != 0 or not pdf_path.is_file():
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise PulseError(f"Chromium could not print {html_path} to PDF: {last}")


def message(rendered: Rendered, sender: str, to: str, pdf: bytes, pdf_name: str) -> EmailMessage:
    """multipart/mixed: [alternative: text, related: (html, PNGs)], the PDF."""
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html_mail, subtype="html")
    html_part = msg.get_payload()[1]
    for name, png in rendered.images.items():
        html_part.add_related(png, "image", "png", cid=f"<{name}>", filename=f"{name}.png")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    return msg


def send(messages: list[EmailMessage], smtp: SmtpConfig) -> None:
    """Send over one SMTP session: STARTTLS (verified certificate) unless turned off, then
    login when a user is configured. The password is read here and never printed."""
    if not smtp.host:
        raise PulseError("--send needs an [smtp] table in pulse.toml (host, sender, ...)")
    context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
    where = f"{smtp.host}:{smtp.port}"
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout.total_seconds()) as client:
            client.ehlo()
            if smtp.starttls:
                client.starttls(context=context)
                client.ehlo()
            if smtp.username:
                password = smtp.password.read() if smtp.password else ""
                client.login(smtp.username, password)
            for msg in messages:
                client.send_message(msg)
    except smtplib.SMTPAuthenticationError:
        raise PulseError(
            f"the mail server {where} refused the login of {smtp.username}: check "
            "smtp.username and the password file"
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise PulseError(f"the mail server {where} does not offer STARTTLS") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise PulseError(f"could not send the digest through {where}: {exc}") from None
