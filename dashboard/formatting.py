"""Locale-aware formatting of numbers, percentages, money, dates and durations.

Pure functions, no Babel: the two locales the product speaks differ only in the
thousands separator, the decimal mark and the date order (DESIGN s1).

    ru: 1 234,5   23.11.2026   23.11.2026 14:05
    en: 1,234.5   2026-11-23   2026-11-23 14:05

Times are converted to the business time zone (Europe/Moscow unless configured)
before they are shown.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

NBSP = "\u00a0"
DASH = "—"


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """`1234.5` -> ru `1 234,5`, en `1,234.5`; None -> an em dash."""
    if _is_missing(value):
        return DASH
    text = f"{float(value):,.{decimals}f}"
    if lang == "ru":
        # Python gives "1,234.5": swap to the Russian convention (narrow no-break space).
        text = text.replace(",", NBSP).replace(".", ",")
    return text


def percent(value: float | None, lang: str, decimals: int = 1) -> str:
    """A share in [0, 1] shown as a percentage: 0.9734 -> ru `97,3 %`, en `97.3%`."""
    if _is_missing(value):
        return DASH
    body = number(float(value) * 100.0, lang, decimals)
    return f"{body}{NBSP}%" if lang == "ru" else f"{body}%"


def money(value: float | None, lang: str, currency: str = "USD", decimals: int = 0) -> str:
    """ru `1 234 $` / `1 234 ₽`; en `$1,234` / `₽1,234`."""
    if _is_missing(value):
        return DASH
    symbol = {"USD": "$", "RUB": "₽", "EUR": "€"}.get(currency, currency)
    amount = float(value)
    sign = "-" if amount < 0 else ""
    body = number(abs(amount), lang, decimals)
    if lang == "ru":
        return f"{sign}{body}{NBSP}{symbol}"
    return f"{sign}{symbol}{body}"


def compact_money(value: float | None, lang: str, currency: str = "USD") -> str:
    """Large amounts shortened: 1 250 000 -> en `$1.25M`, ru `1,25 млн $`."""
    if _is_missing(value):
        return DASH
    amount = float(value)
    for size, ru_unit, en_unit in ((1e9, "млрд", "B"), (1e6, "млн", "M"), (1e3, "тыс.", "k")):
        if abs(amount) >= size:
            body = number(amount / size, lang, 2 if abs(amount) < size * 10 else 1)
            symbol = {"USD": "$", "RUB": "₽", "EUR": "€"}.get(currency, currency)
            if lang == "ru":
                return f"{body}{NBSP}{ru_unit}{NBSP}{symbol}"
            return f"{symbol}{body}{en_unit}"
    return money(amount, lang, currency)


def to_local(moment: datetime, tz: str) -> datetime:
    """A warehouse timestamp (naive = UTC, DESIGN contract) in the business time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(tz))


def date_(value: date | datetime | None, lang: str, tz: str | None = None) -> str:
    if value is None:
        return DASH
    if isinstance(value, datetime):
        value = to_local(value, tz).date() if tz else value.date()
    return value.strftime("%d.%m.%Y") if lang == "ru" else value.isoformat()


def datetime_(value: datetime | None, lang: str, tz: str, seconds: bool = False) -> str:
    if value is None:
        return DASH
    local = to_local(value, tz)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{date_(local.date(), lang)} {clock}"


def time_(value: datetime | None, tz: str) -> str:
    return DASH if value is None else to_local(value, tz).strftime("%H:%M")


def duration(minutes: float | None, lang: str) -> str:
    """Minutes as `2 h 05 m` / `2 ч 05 мин`; days for long spans."""
    if _is_missing(minutes):
        return DASH
    total = round(float(minutes))
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    d, h, m = ("д", "ч", "мин") if lang == "ru" else ("d", "h", "m")
    if days:
        return f"{sign}{days}{NBSP}{d} {hours}{NBSP}{h}"
    if hours:
        return f"{sign}{hours}{NBSP}{h} {mins:02d}{NBSP}{m}"
    return f"{sign}{mins}{NBSP}{m}"


BUSINESS_DAY_MINUTES = 540  # 09:00-18:00, DESIGN s4


def clock_duration(minutes: float | None, clock: str | None, lang: str) -> str:
    """Clock minutes in the clock's own days.

    A business clock's 2,700 minutes are the policy's "5 business days", not the
    "1 d 21 h" a calendar reading of the same number would suggest to a team lead.
    """
    if clock != "business" or _is_missing(minutes):
        return duration(minutes, lang)
    total = round(float(minutes))
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), BUSINESS_DAY_MINUTES)
    if not days:
        return sign + duration(rest, lang)
    if lang == "ru":
        day_text = f"{days}{NBSP}раб.{NBSP}дн."
    else:
        day_text = f"{days}{NBSP}business{NBSP}day{'s' if days != 1 else ''}"
    return sign + day_text + (f" {duration(rest, lang)}" if rest else "")


def value(amount: float | None, unit: str | None, lang: str) -> str:
    """A KR or metric value by its unit (`pct`/`percent`/`%`, `usd`, `count`, `score`...)."""
    unit = (unit or "").lower()
    if _is_missing(amount):
        return DASH
    if unit in {"pct", "percent", "%", "share", "ratio"}:
        # Marts store shares in [0, 1]; a value above 1.5 is already in percent.
        amount = float(amount)
        return percent(amount if abs(amount) <= 1.5 else amount / 100.0, lang)
    if unit in {"usd", "$"}:
        return (
            compact_money(amount, lang, "USD")
            if abs(amount) >= 10_000
            else money(amount, lang, "USD", 2 if abs(amount) < 100 else 0)
        )
    if unit in {"rub", "₽"}:
        return compact_money(amount, lang, "RUB")
    if unit in {"nps", "score", "points"}:
        return number(amount, lang, 1 if abs(float(amount) - round(float(amount))) > 1e-9 else 0)
    if unit in {"minutes", "min"}:
        return duration(amount, lang)
    decimals = 0 if abs(float(amount) - round(float(amount))) < 1e-9 else 1
    return number(amount, lang, decimals)


MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "ru": ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"),
}
LAST_4_WEEKS = {"en": "last 4 full weeks", "ru": "последние 4 полные недели"}
TO_DATE = {"en": "to date", "ru": "на текущий момент"}


def period(label: str | None, lang: str, partial: bool = False) -> str:
    """A mart's period label as a reader says it: '2026-Q4' -> 'Q4 2026', '2026-11' ->
    'Nov 2026', '2026-W47' -> 'W47 2026', 'last_4_weeks' -> 'last 4 full weeks'; a
    partial (still running) period says so, because its value is to date."""
    if not label:
        return DASH
    text = str(label)
    lang = lang if lang in MONTHS else "en"
    if text == "last_4_weeks":
        out = LAST_4_WEEKS[lang]
    elif len(text) == 7 and text[4] == "-" and text[5:].isdigit():
        out = f"{MONTHS[lang][int(text[5:]) - 1]} {text[:4]}"
    elif "-Q" in text or "-W" in text:
        year, part = text.split("-", 1)
        out = f"{part} {year}"
    else:
        out = text
    return f"{out} ({TO_DATE[lang]})" if partial else out


def kr_value(amount: float | None, unit: str | None, lang: str) -> str:
    """A key result's value as the OKR mart stores it: percent KRs in percent (0-100),
    money in USD, scores and counts as numbers."""
    if amount is None:
        return DASH
    if (unit or "").lower() == "pct":
        return percent(float(amount) / 100.0, lang)
    return value(amount, unit, lang)
