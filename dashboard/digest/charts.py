"""Small charts for digests as PNG bytes, drawn with Pillow.

E-mail clients show PNG but not SVG (Gmail and Outlook drop it), and plotly's static
export needs kaleido and a downloaded Chrome, so the few digest charts are drawn by
hand: grouped bars, horizontal bars against a target tick, and a sparkline. Each is
drawn at twice its display size so it stays sharp on high-density screens and in the
PDF. Labels use DejaVu Sans (Debian's `fonts-dejavu-core`, which has Cyrillic), or
Pillow's own font when it is missing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

from PIL import Image, ImageDraw, ImageFont

SCALE = 2
INK = (33, 37, 41)
MUTED = (108, 117, 125)
GRID = (222, 226, 230)
BLUE = (13, 110, 253)
ORANGE = (253, 126, 20)
GREEN = (25, 135, 84)
RED = (220, 53, 69)
_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONTS:
        try:
            return ImageFont.truetype(path, size * SCALE)
        except OSError:
            continue
    return ImageFont.load_default(size * SCALE)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _canvas(width: int, height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (width * SCALE, height * SCALE), "white")
    return image, ImageDraw.Draw(image)


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    width: int = 560,
    height: int = 220,
) -> bytes:
    """Bars per category, one per series (at most two colours), values labelled on top."""
    colors = (BLUE, ORANGE)
    image, draw = _canvas(width, height)
    s = SCALE
    left, right, top, bottom = 16 * s, 16 * s, 30 * s, 40 * s
    plot_w, plot_h = width * s - left - right, height * s - top - bottom
    peak = max([v for _name, values in series for v in values] + [1.0])
    draw.line([(left, top + plot_h), (left + plot_w, top + plot_h)], fill=GRID, width=s)
    slot = plot_w / max(len(categories), 1)
    bar = slot * 0.7 / max(len(series), 1)
    small, label = _font(10), _font(11)
    for i, category in enumerate(categories):
        x0 = left + i * slot + slot * 0.15
        for j, (_name, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / peak
            x = x0 + j * bar
            draw.rectangle([x, top + plot_h - h, x + bar - 2 * s, top + plot_h], fill=colors[j])
            text = f"{value:g}"
            draw.text(
                (x + bar / 2 - s, top + plot_h - h - 3 * s), text, font=small, fill=INK, anchor="mb"
            )
        draw.text(
            (left + i * slot + slot / 2, top + plot_h + 8 * s),
            category,
            font=label,
            fill=INK,
            anchor="ma",
        )
    x = left
    for j, (name, _values) in enumerate(series):
        draw.rectangle([x, 8 * s, x + 10 * s, 18 * s], fill=colors[j])
        draw.text((x + 14 * s, 13 * s), name, font=label, fill=INK, anchor="lm")
        x += 14 * s + draw.textlength(name, font=label) + 18 * s
    return _png(image)


def target_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    targets: Sequence[float | None],
    width: int = 560,
) -> bytes:
    """Horizontal bars of shares in [0, 1], green at or above target, red below, with a
    black tick at each target and the percentage at the end of the bar."""
    row = 22
    height = 12 + row * max(len(labels), 1)
    image, draw = _canvas(width, height)
    s = SCALE
    font = _font(11)
    name_w = max([draw.textlength(text, font=font) for text in labels] + [0]) + 10 * s
    x0 = 6 * s + name_w
    span = width * s - x0 - 60 * s
    for i, (text, value, target) in enumerate(zip(labels, values, targets, strict=True)):
        y = 6 * s + i * row * s
        draw.text((6 * s, y + row * s / 2), text, font=font, fill=INK, anchor="lm")
        draw.rectangle([x0, y + 4 * s, x0 + span, y + (row - 4) * s], fill=(248, 249, 250))
        if value is not None:
            ok = target is None or value >= target
            draw.rectangle(
                [x0, y + 4 * s, x0 + span * max(0.0, min(value, 1.0)), y + (row - 4) * s],
                fill=GREEN if ok else RED,
            )
            draw.text(
                (x0 + span + 6 * s, y + row * s / 2),
                f"{value * 100:.1f}%",
                font=font,
                fill=INK,
                anchor="lm",
            )
        if target is not None:
            tx = x0 + span * target
            draw.line([(tx, y + 1 * s), (tx, y + (row - 1) * s)], fill=INK, width=2 * s)
    return _png(image)


def sparkline(
    actual: Sequence[float | None],
    target: Sequence[float | None],
    width: int = 140,
    height: int = 36,
) -> bytes:
    """Monthly actuals as a blue line with dots, the target as a thin grey line."""
    image, draw = _canvas(width, height)
    s = SCALE
    known = [v for v in [*actual, *target] if v is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    n = max(len(actual), 2)

    def point(i: int, v: float) -> tuple[float, float]:
        x = 4 * s + (width * s - 8 * s) * i / (n - 1)
        return x, 4 * s + (height * s - 8 * s) * (1 - (v - lo) / (hi - lo))

    goal = [point(i, v) for i, v in enumerate(target) if v is not None]
    if len(goal) > 1:
        draw.line(goal, fill=MUTED, width=s)
    dots = [point(i, v) for i, v in enumerate(actual) if v is not None]
    if len(dots) > 1:
        draw.line(dots, fill=BLUE, width=2 * s)
    for x, y in dots:
        draw.ellipse([x - 2.5 * s, y - 2.5 * s, x + 2.5 * s, y + 2.5 * s], fill=BLUE)
    return _png(image)
