"""Text bound for CSV or XLSX files that people open in a spreadsheet."""

from __future__ import annotations

#: A cell starting with one of these is read as a formula (formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text a spreadsheet will never read as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value
