"""Numbers, amounts, shares and dates as the reports write them, in French or English.

Every number a page shows goes through these functions (templates get them bound to one
language as `fmt`), so that every report counts the same way.

French typography: narrow no-break space (U+202F) between thousands and before `%`; no-break
space (U+00A0) between a number and its unit; decimal comma.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

NNBSP = "\u202f"  # narrow no-break space: French thousands separator, before % ; ! ?
NBSP = "\u00a0"  # no-break space: before ':' and between a number and its unit
MISSING = "—"

_FR_MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
).split()
_EN_MONTHS = (
    "January February March April May June July August September October November December"
).split()

# Largest unit first; the empty unit (plain dollars) last.
_USD_UNITS: dict[str, tuple[tuple[float, str], ...]] = {
    "fr": ((1e9, "Md"), (1e6, "M"), (1e3, "k"), (1.0, "")),
    "en": ((1e9, "bn"), (1e6, "M"), (1e3, "k"), (1.0, "")),
}


def check_language(lang: str) -> str:
    """Return `lang` if the reports speak it, else raise a one-line ValueError."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r} (expected one of: fr, en)")
    return lang


def _is_number(value: float | int | None) -> bool:
    return value is not None and math.isfinite(value)


def _group(value: float, decimals: int, lang: str) -> str:
    """Digits of |value| with the thousands separator and decimal mark of `lang`."""
    text = f"{abs(value):,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return text


def _sign(value: float, decimals: int) -> str:
    return "-" if value < 0 and round(abs(value), decimals) != 0 else ""


def format_integer(value: int | float | None, lang: str) -> str:
    """12345 -> '12 345' (fr, narrow no-break space) or '12,345' (en)."""
    if value is None or not _is_number(value):
        return MISSING
    return _sign(value, 0) + _group(value, 0, lang)


def _trim_zeros(digits: str, lang: str) -> str:
    mark = "," if lang == "fr" else "."
    return digits.rstrip("0").rstrip(mark) if mark in digits else digits


def format_decimal(value: float | None, lang: str, decimals: int = 2, *, trim: bool = False) -> str:
    """1234.567 -> '1 234,57' (fr) or '1,234.57' (en); with `trim`, 2.50 -> '2,5' and 10.00 -> '10'
    (axis ticks)."""
    if value is None or not _is_number(value):
        return MISSING
    digits = _group(value, decimals, lang)
    if trim:
        digits = _trim_zeros(digits, lang)
    return _sign(value, decimals) + digits


def _three_significant(value: float) -> tuple[float, int]:
    """Round a value in [0, 1000] to three significant digits; return it and its decimals."""
    for decimals, limit in ((2, 10.0), (1, 100.0), (0, 1000.0)):
        rounded = round(value, decimals)
        if rounded < limit:
            return rounded, decimals
    return round(value), 0


def format_usd(value: float | None, lang: str) -> str:
    """A dollar amount, three significant digits with a unit.

    fr: 12_345_678 -> '12,3 M$', 1_234_000_000 -> '1,23 Md$', 845_000 -> '845 k$', 950 -> '950 $'
    en: 12_345_678 -> '$12.3M', 1_234_000_000 -> '$1.23bn', 845_000 -> '$845k', 950 -> '$950'
    (the space before the unit in French is a no-break space).
    """
    if value is None or not _is_number(value):
        return MISSING
    check_language(lang)
    units = _USD_UNITS[lang]
    magnitude = abs(value)
    index = next((i for i, (size, _) in enumerate(units) if magnitude >= size), len(units) - 1)
    while True:
        size, unit = units[index]
        if unit:
            number, decimals = _three_significant(magnitude / size)
        else:
            number, decimals = float(round(magnitude)), 0
        # 999.6 k rounds to 1000 k: say 1.00 M instead.
        if number >= 1000 and index > 0:
            index -= 1
            continue
        break
    sign = "-" if value < 0 and number != 0 else ""
    digits = _group(number, decimals, lang)
    if lang == "fr":
        return f"{sign}{digits}{NBSP}{unit}$"
    return f"{sign}${digits}{unit}"


def format_percent(
    fraction: float | None, lang: str, decimals: int = 1, *, trim: bool = False
) -> str:
    """A fraction as a percentage: 0.1234 -> '12,3 %' (fr) or '12.3%' (en).

    A positive share too small to show becomes '< 0,1 %' rather than a misleading zero.
    With `trim`, trailing zeros go: 0.2 -> '20 %' (axis ticks).
    """
    if fraction is None or not _is_number(fraction):
        return MISSING
    check_language(lang)
    percent = fraction * 100
    smallest = 10.0**-decimals
    prefix = ""
    if 0 < percent < smallest:
        prefix, percent = "< ", smallest
    digits = _group(percent, decimals, lang)
    if trim:
        digits = _trim_zeros(digits, lang)
    text = prefix + _sign(percent, decimals) + digits
    if lang == "fr":
        return text.replace("< ", "<" + NBSP) + NNBSP + "%"
    return text + "%"


def format_datetime(value: datetime | None, lang: str) -> str:
    """'29 novembre 2025 à 05:19 UTC' (fr) or '29 November 2025, 05:19 UTC' (en).

    An aware datetime is shown in UTC; a naive one is shown as it is, without a zone.
    """
    if value is None:
        return MISSING
    check_language(lang)
    zone = ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
        zone = " UTC"
    if lang == "fr":
        month = _FR_MONTHS[value.month - 1]
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {month} {value.year} à {value:%H:%M}{zone}"
    month = _EN_MONTHS[value.month - 1]
    return f"{value.day} {month} {value.year}, {value:%H:%M}{zone}"


def format_date(value: date | None, lang: str) -> str:
    """'1er décembre 2026' (fr) or '1 December 2026' (en); a datetime shows its date."""
    if value is None:
        return MISSING
    check_language(lang)
    if lang == "fr":
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {_FR_MONTHS[value.month - 1]} {value.year}"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def format_month(value: str | None, lang: str) -> str:
    """A period as the warehouse writes it: '2026-03' -> 'mars 2026' (fr) or 'March 2026'
    (en); a year ('2024'), or any other text, as it is."""
    if value is None or value == "":
        return MISSING
    check_language(lang)
    text = str(value)
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        month = int(text[5:])
        if 1 <= month <= 12:
            names = _FR_MONTHS if lang == "fr" else _EN_MONTHS
            return f"{names[month - 1]} {text[:4]}"
    return text


def month_name(month: int, lang: str) -> str:
    """The name of a month (1-12): 'janvier' (fr), 'January' (en)."""
    check_language(lang)
    return (_FR_MONTHS if lang == "fr" else _EN_MONTHS)[month - 1]


def format_signed(value: float | None, lang: str, decimals: int = 2) -> str:
    """A change with its sign: 1.25 -> '+1,25' (fr) / '+1.25' (en), -0.5 -> '-0,50'; a
    change that rounds to zero has no sign."""
    text = format_decimal(value, lang, decimals)
    if value is not None and _is_number(value) and value > 0 and round(value, decimals) != 0:
        return "+" + text
    return text


def format_years(first: int, last: int) -> str:
    """A span of years with an en dash: '2019–2024', or '2024' for a single year."""
    return str(first) if first == last else f"{first}–{last}"


@dataclass(frozen=True)
class Formatter:
    """The format functions bound to one language, handed to templates as `fmt`."""

    lang: str

    def __post_init__(self) -> None:
        check_language(self.lang)

    def integer(self, value: int | float | None) -> str:
        return format_integer(value, self.lang)

    def decimal(self, value: float | None, decimals: int = 2, *, trim: bool = False) -> str:
        return format_decimal(value, self.lang, decimals, trim=trim)

    def usd(self, value: float | None) -> str:
        return format_usd(value, self.lang)

    def percent(self, fraction: float | None, decimals: int = 1, *, trim: bool = False) -> str:
        return format_percent(fraction, self.lang, decimals, trim=trim)

    def date_time(self, value: datetime | None) -> str:
        return format_datetime(value, self.lang)

    def years(self, first: int, last: int) -> str:
        return format_years(first, last)

    def date_only(self, value: date | None) -> str:
        return format_date(value, self.lang)

    def month(self, value: str | None) -> str:
        return format_month(value, self.lang)

    def signed(self, value: float | None, decimals: int = 2) -> str:
        return format_signed(value, self.lang, decimals)

    def rate(self, percent: float | None, decimals: int = 1) -> str:
        """A rate already in percent (a tariff of 5.0 -> '5,0 %' / '5.0%')."""
        return format_percent(None if percent is None else percent / 100, self.lang, decimals)
