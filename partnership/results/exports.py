"""CSV and XLSX files of a survey's aggregated results, built from its export object.

Data first, then format (conventions.md, point 9): ``results_table`` turns the export object
of ``services.survey_export`` (the snapshot, which already withholds every value the privacy
rules hide) into plain rows; ``results_csv`` and ``results_xlsx`` only render them. Every
number is rounded by the one display formatter (``partnership.scoring.format``): scores to
one decimal, g, rwg and AD to two, shares to whole percent. A withheld value is an empty cell,
and the row's note says which values are withheld and why. Text that could start a formula in
a spreadsheet (``= + - @``, tab, carriage return) is defused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter

from partnership.results.presenters import escalation_text, health_reason, signal_subject
from partnership.scoring import (
    KPI_DIRECTION_LABELS,
    fmt_number,
    fmt_pct,
    fmt_score,
    fmt_stat,
    words,
)
from partnership.spreadsheet import safe_text
from partnership.timefmt import short_when

COLUMNS = (
    "dimension",
    "organization",
    "n",
    "S",
    "s",
    "favorable",
    "neutral",
    "unfavorable",
    "rwg",
    "AD",
    "J",
    "G",
    "g",
    "ci_low",
    "ci_high",
    "confirmed",
    "health",
    "note",
)
ORG_KEYS = ("n", "S", "s", "favorable", "neutral", "unfavorable", "rwg", "AD")
JOINT_KEYS = ("J", "G", "g", "ci_low", "ci_high", "confirmed", "health")
# Plain names only (decisions.md): the rule codes stay in the JSON export.
SIGNAL_COLUMNS = ("type", "signal", "severity", "about", "explanation")
KPI_COLUMNS = (
    "KPI",
    "kind",
    "organization",
    "function",
    "direction",
    "unit",
    "value",
    "target",
    "on target",
    "previous value",
    "previous target",
    "on target previously",
    "linked to",
)
JOINT = "Joint"

REASONS = {
    "below_threshold": "withheld (below threshold)",
    "complementary": "withheld (protects a smaller group)",
    "survey_open": "withheld (survey still open)",
    "not_computable": "not computable",
    "not_applicable": "not applicable",
}


@dataclass(frozen=True)
class Cell:
    """A formatted value: ``text`` as displayed; ``number`` and ``num_format`` let a
    spreadsheet keep it numeric (same rounding). A text cell has no number."""

    text: str = ""
    number: float | int | None = None
    num_format: str | None = None
    is_text: bool = False  # user-supplied or free text: defused in CSV


def _text(value: str) -> Cell:
    return Cell(value, is_text=True)


def _score(v: float) -> Cell:
    text = fmt_score(v)
    return Cell(text, float(text), "0.0")


def _stat(v: float) -> Cell:
    text = fmt_stat(v)
    return Cell(text, float(text), "0.00")


def _pct(v: float) -> Cell:
    whole = fmt_pct(v, suffix="")
    return Cell(whole + "%", int(whole) / 100, "0%")


def _int(v: int) -> Cell:
    return Cell(str(int(v)), int(v), "0")


def _yes_no(v: bool) -> Cell:
    return Cell("yes" if v else "no")


def _health(v: str) -> Cell:
    return Cell(words.health_word(v))


FORMATTERS: dict[str, Callable[[Any], Cell]] = {
    "n": _int,
    "S": _score,
    "s": _score,
    "favorable": _pct,
    "neutral": _pct,
    "unfavorable": _pct,
    "rwg": _stat,
    "AD": _stat,
    "J": _score,
    "G": _score,
    "g": _stat,
    "ci_low": _score,
    "ci_high": _score,
    "confirmed": _yes_no,
    "health": _health,
}


@dataclass
class Table:
    """The plain rows of the results file: one per dimension and organization, plus a joint
    row per dimension; then the signals and escalations."""

    rows: list[list[Cell]] = field(default_factory=list)
    signals: list[list[Cell]] = field(default_factory=list)
    kpis: list[list[Cell]] = field(default_factory=list)  # as frozen with the snapshot
    about: list[tuple[str, str]] = field(default_factory=list)


def _values(source: dict[str, Any], keys: Sequence[str]) -> tuple[dict[str, Cell], str]:
    """Formatted cells for ``keys`` of ``source`` and the note naming withheld values."""
    cells: dict[str, Cell] = {}
    withheld: dict[str, list[str]] = {}
    for key in keys:
        value = source.get(key)
        if value is None:
            reason = source.get(f"{key}_reason")
            if reason:
                withheld.setdefault(reason, []).append(key)
            cells[key] = Cell()
        else:
            cells[key] = FORMATTERS[key](value)
    note = "; ".join(
        f"{', '.join(keys_)}: {REASONS.get(reason, reason)}" for reason, keys_ in withheld.items()
    )
    return cells, note


def _row(dimension: str, organization: str, cells: dict[str, Cell], note: str) -> list[Cell]:
    return [
        _text(dimension),
        _text(organization),
        *(cells.get(c, Cell()) for c in COLUMNS[2:-1]),
        _text(note),
    ]


def _local(value: str | None, tz: str) -> str:
    if not value:
        return ""
    return short_when(dt.datetime.fromisoformat(value), tz)


def results_table(export: dict[str, Any]) -> Table:
    """The rows of the results file from a survey's export object (see the module docstring)."""
    result = export.get("result") or {}
    orgs = result.get("organizations") or {}
    names = {
        letter: (orgs.get(letter) or {}).get("name")
        or ((export.get("partnership") or {}).get("organizations") or {})
        .get(letter, {})
        .get("name", letter)
        for letter in ("A", "B")
    }
    table = Table()
    labels: dict[str, str] = {}
    for dim in result.get("dimensions") or []:
        label = dim.get("label") or dim.get("dimension", "")
        labels[dim.get("dimension", "")] = label
        for letter in ("A", "B"):
            source = (dim.get("organizations") or {}).get(letter) or {}
            cells, note = _values(source, ORG_KEYS)
            table.rows.append(_row(label, names[letter], cells, note))
        cells, note = _values(dim, JOINT_KEYS)
        table.rows.append(_row(label, JOINT, cells, note))
    reason = _health_reason(result)
    if reason is not None:
        table.signals.append(
            [
                Cell("health"),
                Cell("Partnership health"),
                Cell(words.health_word(str(result.get("health")))),
                Cell(""),
                _text(reason),
            ]
        )
    for s in result.get("signals") or []:
        table.signals.append(
            [
                Cell("signal"),
                Cell(words.rule_title(str(s.get("rule") or ""))),
                Cell(words.health_word(str(s.get("severity") or ""))),
                _text(signal_subject(result, s, labels) or ""),
                _text(s.get("explanation") or ""),
            ]
        )
    for e in result.get("escalations") or []:
        table.signals.append(
            [
                Cell("escalation"),
                Cell(words.escalation_title(str(e.get("kind") or ""))),
                Cell(""),
                _text(signal_subject(result, e, labels) or ""),
                _text(escalation_text(result, e, labels)),
            ]
        )
    table.kpis = _kpi_rows(result, names)
    table.about = _about(export, result, names)
    return table


def _health_reason(result: dict[str, Any]) -> str | None:
    """The health reason of the pages and the brief; none for an open survey's live result."""
    if result.get("state") != "closed" or not result.get("health"):
        return None
    return health_reason(result)


def _kpi_number(v: float | None) -> Cell:
    """A KPI value or target as the coach typed it (no unit: it has its own column)."""
    return Cell() if v is None else Cell(fmt_number(v), float(v), "General")


def _on_target(v: bool | None) -> Cell:
    return Cell("unknown (no value)" if v is None else "yes" if v else "no")


def _kpi_rows(result: dict[str, Any], names: dict[str, str]) -> list[list[Cell]]:
    """The cycle's KPIs as the snapshot froze them: this cycle and the one before."""
    kpis = [k for k in result.get("kpis") or [] if isinstance(k, dict)]
    by_id = {str(k.get("id")): str(k.get("name") or "") for k in kpis}
    return [
        [
            _text(str(k.get("name") or "")),
            Cell("shared" if k.get("scope") == "shared" else "local"),
            _text(names.get(str(k.get("organization")), "") if k.get("organization") else ""),
            _text(str(k.get("function") or "")),
            Cell(KPI_DIRECTION_LABELS.get(str(k.get("direction")), "")),
            _text(str(k.get("unit") or "")),
            _kpi_number(k.get("value")),
            _kpi_number(k.get("target")),
            _on_target(k.get("on_target")),
            _kpi_number(k.get("value_prev")),
            _kpi_number(k.get("target_prev")),
            _on_target(k.get("on_target_prev")),
            _text(by_id.get(str(k.get("linked_to")), "") if k.get("linked_to") else ""),
        ]
        for k in kpis
    ]


def _about(
    export: dict[str, Any], result: dict[str, Any], names: dict[str, str]
) -> list[tuple[str, str]]:
    partnership = export.get("partnership") or {}
    survey = export.get("survey") or {}
    snapshot = export.get("snapshot")
    tz = partnership.get("timezone") or "UTC"
    instrument = survey.get("instrument") or {}
    about = [
        ("Partnership", partnership.get("name", "")),
        ("Cycle", (export.get("cycle") or {}).get("label", "")),
        ("Instrument", f"{instrument.get('name', '')} (version {instrument.get('version', '')})"),
        ("Survey state", survey.get("state", "")),
        ("Closed", _local(survey.get("closed_at"), tz)),
        (
            "Snapshot",
            f"version {snapshot['version']} ({snapshot['reason']}), {_local(snapshot['created_at'], tz)}"
            if snapshot
            else "none: live result, participation only",
        ),
        ("Privacy threshold", str((result.get("settings") or {}).get("min_group", ""))),
    ]
    reason = _health_reason(result)
    if reason is not None:
        about.append(("Partnership health", reason))
    for letter in ("A", "B"):
        org = (result.get("organizations") or {}).get(letter)
        if org:
            rate = fmt_pct(org.get("R"))
            about.append(
                (
                    f"Participation {names[letter]}",
                    f"{org.get('responded', 0)} of {org.get('invited', 0)} ({rate})",
                )
            )
    about.append(
        (
            "Rounding",
            "Scores to 1 decimal, g, rwg and AD to 2, shares to whole percent; "
            "the JSON export carries full precision.",
        )
    )
    return about


# --- rendering -----------------------------------------------------------------------------


def _csv_text(cell: Cell) -> str:
    """A cell's text for CSV and XLSX: every cell that is not a number goes through the one
    formula guard (an XLSX string cell is not a formula, but editing it in a spreadsheet
    makes it one). Numbers, negative ones included, stay as they are."""
    return cell.text if cell.number is not None else safe_text(cell.text)


def results_csv(export: dict[str, Any]) -> bytes:
    """The results as CSV (UTF-8 with BOM, so spreadsheets read the accents): the results
    table, a blank line, the signals and escalations, and, when the cycle tracks KPIs, a blank
    line and the KPI table."""
    table = results_table(export)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in table.rows:
        writer.writerow([_csv_text(c) for c in row])
    writer.writerow([])
    writer.writerow(SIGNAL_COLUMNS)
    for row in table.signals:
        writer.writerow([_csv_text(c) for c in row])
    if table.kpis:
        writer.writerow([])
        writer.writerow(KPI_COLUMNS)
        for row in table.kpis:
            writer.writerow([_csv_text(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def results_xlsx(export: dict[str, Any]) -> bytes:
    """The results as an XLSX workbook: sheets Results, Signals, KPIs (when the cycle tracks
    any) and About. Numbers stay
    numeric (rounded as on the pages); text is written as text, never as a formula."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True, "bottom": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    formats: dict[str, Any] = {}

    def number_format(code: str) -> Any:
        if code not in formats:
            formats[code] = book.add_format({"num_format": code})
        return formats[code]

    def write_rows(sheet: Any, header: Sequence[str], rows: list[list[Cell]]) -> None:
        for col, name in enumerate(header):
            sheet.write_string(0, col, name, bold)
        for r, row in enumerate(rows, start=1):
            for col, cell in enumerate(row):
                if cell.number is not None:
                    sheet.write_number(
                        r, col, cell.number, number_format(cell.num_format or "General")
                    )
                elif cell.text:
                    sheet.write_string(r, col, _csv_text(cell))
        sheet.freeze_panes(1, 0)
        if rows:
            sheet.autofilter(0, 0, len(rows), len(header) - 1)

    table = results_table(export)
    results = book.add_worksheet("Results")
    write_rows(results, COLUMNS, table.rows)
    results.set_column(0, 1, 24)
    results.set_column(2, 16, 9)
    results.set_column(17, 17, 60)

    signals = book.add_worksheet("Signals")
    write_rows(signals, SIGNAL_COLUMNS, table.signals)
    signals.set_column(0, 3, 14)
    signals.set_column(4, 4, 100, wrap)

    if table.kpis:
        kpis = book.add_worksheet("KPIs")
        write_rows(kpis, KPI_COLUMNS, table.kpis)
        kpis.set_column(0, 0, 30)
        kpis.set_column(1, 12, 14)

    about = book.add_worksheet("About")
    for r, (key, value) in enumerate(table.about):
        about.write_string(r, 0, safe_text(key), bold)
        about.write_string(r, 1, safe_text(value))
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 80)

    book.close()
    return buf.getvalue()
