"""The one display formatter: pages, CSV, XLSX and PDF all round through here.

Rounding is ROUND_HALF_UP on the decimal text of the float (its shortest repr), so the
displayed value is what a reader of the full-precision JSON export would round by hand:
0.125 shows as 0.13 and 2.675 as 2.68 (binary rounding would give 2.67). A missing or
suppressed value (None) shows as an en dash. A result that rounds to zero never shows a
minus sign. KPI values keep what the coach typed, up to 4 decimals, with thousands grouped.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

NA = "–"  # en dash: the value is missing, suppressed or not computable


def round_half_up(value: float, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals, as a Decimal."""
    return _quantize(_exact(value), places)


def _exact(value: float) -> Decimal:
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"cannot format {value!r}")
    return Decimal(repr(float(value)))


def _quantize(exact: Decimal, places: int) -> Decimal:
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def _text(value: float | None, places: int, signed: bool, none: str) -> str:
    if value is None:
        return none
    rounded = round_half_up(value, places)
    text = f"{rounded:f}"
    return f"+{text}" if signed and rounded > 0 else text


def fmt_score(value: float | None, *, signed: bool = False, none: str = NA) -> str:
    """Scores, J, G and intervals: 1 decimal (``signed`` adds a + to positive gaps)."""
    return _text(value, 1, signed, none)


def fmt_stat(value: float | None, *, signed: bool = False, none: str = NA) -> str:
    """g, rwg and AD: 2 decimals."""
    return _text(value, 2, signed, none)


def fmt_pct(share: float | None, *, suffix: str = "%", none: str = NA) -> str:
    """A 0..1 share (split, participation) as a whole percent: 0.625 -> "63%"."""
    if share is None:
        return none
    return f"{_quantize(_exact(share) * 100, 0):f}{suffix}"


def fmt_number(value: float | None, unit: str = "", *, none: str = NA) -> str:
    """A KPI value or target as typed, with its unit: 4200000 -> "4,200,000 EUR", 95 with unit
    "%" -> "95%", 41.25 -> "41.25" (at most 4 decimals, no padding zeros)."""
    if value is None:
        return none
    rounded = round_half_up(value, 4).normalize()
    text = f"{rounded:,f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
