"""A partnership's stakeholders: the people invited to its surveys, added one by one or from a
CSV file, and exported in the same format. One row validator serves both paths.

Erasing a person (a privacy request) also touches their invitations, so it is a use case of
the surveys domain: ``partnership.surveys.erasure.erase_stakeholder``.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.partnerships.models import LEVELS, Organization, Partnership, Stakeholder
from partnership.partnerships.services import PartnershipError
from partnership.spreadsheet import safe_text

log = logging.getLogger(__name__)
CSV_COLUMNS = ("name", "email", "organization", "function", "level", "active")
MAX_IMPORT_ROWS = 5000
MAX_NAME_LENGTH = 200


@dataclass
class StakeholderData:
    name: str
    email: str
    #: None when the organization given (a CSV cell) is not one of the partnership's two.
    organization_id: int | None
    function: str
    level: str
    is_active: bool = True
    #: The organization as the CSV named it (name or short code), for the error message.
    organization_given: str = ""


def list_stakeholders(
    partnership: Partnership, *, include_inactive: bool = True
) -> list[Stakeholder]:
    stmt = select(Stakeholder).where(Stakeholder.partnership_id == partnership.id)
    if not include_inactive:
        stmt = stmt.where(Stakeholder.is_active.is_(True))
    stmt = stmt.join(Organization).order_by(Organization.position, func.lower(Stakeholder.name))
    return list(db.session.scalars(stmt))


def stakeholder_counts(partnership: Partnership) -> dict[int, int]:
    rows = db.session.execute(
        select(Stakeholder.organization_id, func.count())
        .where(Stakeholder.partnership_id == partnership.id, Stakeholder.is_active.is_(True))
        .group_by(Stakeholder.organization_id)
    ).all()
    return {org_id: n for org_id, n in rows}


def _normalise_email(raw: str) -> str:
    """The address in its normal form; ``ValueError`` (``EmailNotValidError``) when invalid."""
    from email_validator import validate_email  # imported on first use: workers start faster

    return validate_email(raw.strip(), check_deliverability=False).normalized.lower()


def check_row(
    partnership: Partnership, data: StakeholderData, *, is_taken: Callable[[str], bool]
) -> tuple[str, list[str]]:
    """The one set of checks of a stakeholder row, for the form and the CSV import alike:
    the normalised email and every problem found, in plain words (empty when the row is
    good). ``is_taken(email)``: whether another stakeholder of the partnership has it."""
    problems: list[str] = []
    name = data.name.strip()
    if not name:
        problems.append("the name is empty")
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(f"the name is longer than {MAX_NAME_LENGTH} characters")
    email = ""
    try:
        email = _normalise_email(data.email)
    except ValueError:
        problems.append(f"{data.email.strip() or '(empty)'!s} is not a valid email address")
    if email and is_taken(email):
        problems.append(f"{email} is already a stakeholder of this partnership")
    if data.organization_id not in {o.id for o in partnership.organizations}:
        given = f"organization {data.organization_given!r}" if data.organization_given else ""
        problems.append(
            (given or "the organization")
            + " is neither "
            + " nor ".join(f"{o.name} ({o.short_code})" for o in partnership.organizations)
        )
    if data.function not in partnership.functions:
        problems.append(
            f"function {data.function or '(empty)'!r} is not one of: "
            + ", ".join(partnership.functions)
        )
    if data.level not in LEVELS:
        problems.append(
            f"level {data.level or '(empty)'!r} is not one of: "
            "executive, manager, individual contributor"
        )
    return email, problems


def _checked(partnership: Partnership, data: StakeholderData, exclude_id: int | None) -> str:
    def is_taken(email: str) -> bool:
        stmt = select(Stakeholder.id).where(
            Stakeholder.partnership_id == partnership.id, Stakeholder.email == email
        )
        if exclude_id is not None:
            stmt = stmt.where(Stakeholder.id != exclude_id)
        return db.session.scalar(stmt) is not None

    email, problems = check_row(partnership, data, is_taken=is_taken)
    if problems:
        text = "; ".join(problems)
        if not problems[0].startswith(data.email.strip() or "(empty)"):  # keep an email as typed
            text = text[0].upper() + text[1:]
        raise PartnershipError(text + ".")
    return email


@db.writes
def add_stakeholder(partnership: Partnership, data: StakeholderData) -> Stakeholder:
    """Add one stakeholder. Commits."""
    email = _checked(partnership, data, None)
    assert data.organization_id is not None
    row = Stakeholder(
        partnership_id=partnership.id,
        organization_id=data.organization_id,
        name=data.name.strip(),
        email=email,
        function=data.function,
        level=data.level,
        is_active=data.is_active,
    )
    db.session.add(row)
    db.session.commit()
    return row


@db.writes
def update_stakeholder(
    partnership: Partnership, stakeholder: Stakeholder, data: StakeholderData
) -> None:
    """Edit a stakeholder. Commits."""
    email = _checked(partnership, data, stakeholder.id)
    assert data.organization_id is not None
    stakeholder.name = data.name.strip()
    stakeholder.email = email
    stakeholder.organization_id = data.organization_id
    stakeholder.function = data.function
    stakeholder.level = data.level
    stakeholder.is_active = data.is_active
    db.session.commit()


@db.writes
def set_stakeholder_active(stakeholder: Stakeholder, active: bool) -> None:
    """Deactivate (no further invitations) or reactivate a stakeholder. Commits."""
    stakeholder.is_active = active
    db.session.commit()


# --- CSV ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    imported: int
    errors: list[str]


_LEVEL_ALIASES = {
    "executive": "executive",
    "exec": "executive",
    "manager": "manager",
    "individual": "individual",
    "individual contributor": "individual",
    "ic": "individual",
}
_TRUE = {"", "yes", "y", "true", "1", "active"}
_FALSE = {"no", "n", "false", "0", "inactive"}


@db.writes
def import_stakeholders_csv(partnership: Partnership, raw: bytes) -> ImportResult:
    """Import stakeholders from CSV (UTF-8, with or without BOM, header row).

    Columns: name, email, organization (name or short code), function, level, and an optional
    active (yes/no). Every bad line is reported with its line number; when any line is bad
    nothing is imported. Commits only when the whole file is valid.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ImportResult(
            0, [f"The file is not UTF-8 text (byte {exc.start}). Save it as CSV UTF-8."]
        )
    if not text.strip():
        return ImportResult(0, ["The file is empty."])
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return ImportResult(0, ["The file has no header row."])
    required = [c for c in CSV_COLUMNS if c != "active"]
    missing = [c for c in required if c not in header]
    if missing:
        return ImportResult(
            0,
            [
                "Line 1: the header lacks the column(s) "
                + ", ".join(missing)
                + ". Expected: "
                + ", ".join(CSV_COLUMNS)
                + " (active is optional)."
            ],
        )
    col = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    orgs: dict[str, Organization] = {}
    for org in partnership.organizations:
        orgs[org.name.strip().lower()] = org
        orgs[org.short_code.strip().lower()] = org
    existing = set(
        db.session.scalars(
            select(Stakeholder.email).where(Stakeholder.partnership_id == partnership.id)
        )
    )
    seen: dict[str, int] = {}
    errors: list[str] = []
    rows: list[Stakeholder] = []
    count = 0
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            count += 1
            if count > MAX_IMPORT_ROWS:
                errors.append(f"Line {line}: more than {MAX_IMPORT_ROWS} stakeholders in one file.")
                break
            if len(record) < len(header):
                record = record + [""] * (len(header) - len(record))

            def cell(name: str, record: list[str] = record) -> str:
                return record[col[name]].strip() if name in col else ""

            named = orgs.get(cell("organization").lower())
            active_raw = cell("active").lower()
            data = StakeholderData(
                name=cell("name"),
                email=cell("email"),
                organization_id=named.id if named is not None else None,
                organization_given=cell("organization") or "(empty)",
                function=cell("function").lower(),
                level=_LEVEL_ALIASES.get(cell("level").lower(), cell("level")),
                is_active=active_raw not in _FALSE,
            )
            email, problems = check_row(partnership, data, is_taken=existing.__contains__)
            if email and email not in existing:
                if email in seen:
                    problems.append(
                        f"{email} appears twice in the file (also on line {seen[email]})"
                    )
                else:
                    seen[email] = line
            if active_raw not in _TRUE | _FALSE:
                problems.append(f"active {cell('active')!r} is not yes or no")
            if problems:
                errors.append(f"Line {line}: " + "; ".join(problems) + ".")
                continue
            assert data.organization_id is not None
            rows.append(
                Stakeholder(
                    partnership_id=partnership.id,
                    organization_id=data.organization_id,
                    name=data.name,
                    email=email,
                    function=data.function,
                    level=data.level,
                    is_active=data.is_active,
                )
            )
    except csv.Error as exc:
        errors.append(f"Line {reader.line_num}: the CSV cannot be read ({exc}).")
    if not errors and not rows:
        errors.append("The file has a header but no stakeholders.")
    if errors:
        db.session.rollback()
        return ImportResult(0, errors)
    db.session.add_all(rows)
    db.session.commit()
    log.info("imported %s stakeholders into partnership %s", len(rows), partnership.id)
    return ImportResult(len(rows), [])


def export_stakeholders_csv(partnership: Partnership) -> str:
    """The partnership's stakeholders as CSV, in the import's format (round-trips). Every text
    cell goes through the formula guard."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for s in list_stakeholders(partnership):
        row = [s.name, s.email, s.organization.short_code, s.function, s.level]
        writer.writerow([safe_text(cell) for cell in row] + ["yes" if s.is_active else "no"])
    return out.getvalue()
