"""`pulse digest --kind vp-weekly|lead-weekly|okr-quarterly [--to ADDR ...] [--send]`.

For every recipient of the kind in `[digest]` (or only those named by `--to`), renders
the digest in the recipient's language for the recipient's role, writes
`<out_dir>/<kind>-<period end>-<recipient>-<lang>.html` and `.pdf`, and prints where.
With `--send` it also mails them (SMTP, STARTTLS). Without recipients in the config, a
VP-kind digest is rendered once for the local VP as a preview (`--lang`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from dashboard import access
from dashboard.digest import content, output, render
from warehouse.core.errors import PulseError
from warehouse.core.notify_config import (
    DIGEST_KINDS,
    LANGS,
    NotifyConfig,
    Recipient,
    load_notify_config,
)
from warehouse.core.settings import Settings, load_settings


@dataclass(frozen=True)
class Written:
    recipient: Recipient
    html: Path
    pdf: Path
    rendered: output.Rendered


def viewer_of(recipient: Recipient) -> access.Viewer:
    return access.Viewer(recipient.email, recipient.role, None, recipient.team_ids)


def recipients(config: NotifyConfig, kind: str, to: list[str], lang: str) -> list[Recipient]:
    """The configured recipients of `kind`, narrowed to `to` when given."""
    listed = [r for r in config.digest.recipients if kind in r.kinds]
    if to:
        chosen = []
        for address in to:
            match = [r for r in config.digest.recipients if r.email.lower() == address.lower()]
            if not match:
                raise PulseError(
                    f"{address} is not a digest recipient: add it to {config.source} as "
                    "[[digest.recipients]] with its role (and team_ids for a lead)"
                )
            if kind not in match[0].kinds:
                raise PulseError(
                    f"{address} does not receive {kind} (its kinds: {', '.join(match[0].kinds)})"
                )
            chosen.append(match[0])
        return chosen
    if listed:
        return listed
    if kind == "lead-weekly":
        raise PulseError(
            f'no lead receives lead-weekly: add [[digest.recipients]] with role = "lead" and '
            f"team_ids to {config.source}"
        )
    return [Recipient("preview@localhost", "vp", lang, (), (kind,))]


def write(settings: Settings, config: NotifyConfig, kind: str, recipient: Recipient) -> Written:
    out_dir = config.digest.out_dir or settings.data_dir / "digests"
    out_dir.mkdir(parents=True, exist_ok=True)
    digest = content.build(kind, settings, viewer_of(recipient), out_dir)
    lang, tz = recipient.lang, settings.timezone
    images = output.ImageCollector()
    rendered = output.Rendered(
        subject=render.title(digest, lang),
        text=render.plain_text(digest, lang),
        html_file=render.render_html(digest, lang, tz, images.data_uri),
        html_mail=render.render_html(digest, lang, tz, images.cid),
        images=images.images,
    )
    stem = f"{kind}-{digest.end.isoformat()}-{output.slug(recipient.email)}-{lang}"
    html_path, pdf_path = out_dir / f"{stem}.html", out_dir / f"{stem}.pdf"
    html_path.write_text(rendered.html_file, encoding="utf-8")
    output.print_pdf(html_path, pdf_path, config.digest.chromium)
    return Written(recipient, html_path, pdf_path, rendered)


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulse digest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=DIGEST_KINDS, required=True)
    parser.add_argument("--to", action="append", default=[], help="a configured recipient")
    parser.add_argument("--send", action="store_true", help="mail the digests (off: files only)")
    parser.add_argument("--lang", choices=LANGS, default="ru", help="language of a preview")
    args = parser.parse_args(argv)
    settings = load_settings()
    config = load_notify_config(settings)
    written = [
        write(settings, config, args.kind, r)
        for r in recipients(config, args.kind, args.to, args.lang)
    ]
    for item in written:
        print(f"{item.recipient.email}: {item.html} and {item.pdf}")
    if args.send:
        sender = config.smtp.sender
        output.send(
            [
                output.message(
                    item.rendered,
                    sender,
                    item.recipient.email,
                    item.pdf.read_bytes(),
                    item.pdf.name,
                )
                for item in written
            ],
            config.smtp,
        )
        print(f"sent {len(written)} digest(s) through {config.smtp.host}:{config.smtp.port}")
    else:
        print("not sent (add --send to mail them)")
    return 0


def main(argv: list[str] | None = None) -> None:
    try:
        code = run(argv)
    except PulseError as exc:
        print(f"pulse: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(code)


if __name__ == "__main__":
    main()
