"""A partnership's stakeholders: the people invited to its surveys, added one by one or from a
CSV file, and exported in the same format. One row validator serves both paths.

Erasing a person (a privacy request) also touches their invitations, so it is a use case of
the surveys domain: ``partnership.surveys.erasure.erase_stakeholder``.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update

from partnership.db import affected_rows
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
            + ", ".join(level_word(key) for key in LEVELS)
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


#: The one vocabulary of levels in files: the words the pages show ("individual contributor"),
#: which the export writes; the stored keys ("individual", in exports before issue 19) read too.
_LEVEL_WORDS = {word.lower(): key for key, word in LEVELS.items()} | {key: key for key in LEVELS}
_TRUE = {"yes", "y", "true", "1", "active"}
_FALSE = {"no", "n", "false", "0", "inactive"}


def level_word(key: str) -> str:
    """A level as files and pages name it: "executive", "manager", "individual contributor"."""
    return LEVELS.get(key, key).lower()


def level_from_word(word: str) -> str:
    """The stored key of a level named in a file (any case), or the word itself (invalid)."""
    return _LEVEL_WORDS.get(" ".join(word.lower().split()), word)


@dataclass(frozen=True)
class PlannedRow:
    """A stakeholder of the file as the preview lists it (in the words of the pages)."""

    line: int
    name: str
    email: str
    organization: str
    function: str
    level: str
    active: bool


@dataclass(frozen=True)
class PlannedChange:
    """An existing stakeholder the import would change: (what, before, after) per field."""

    stakeholder_id: int
    name: str
    email: str
    fields: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class ImportPlan:
    """What importing a file would do, before anything is written. `errors` (with line
    numbers) means nothing can be imported; otherwise adds, changes (reactivations included)
    and deactivations, keyed by email. `digest` identifies the plan: applying it checks that
    the file still means the same against the stakeholders as they are then."""

    errors: tuple[str, ...] = ()
    adds: tuple[PlannedRow, ...] = ()
    changes: tuple[PlannedChange, ...] = ()
    deactivations: tuple[PlannedChange, ...] = ()
    unchanged: int = 0
    digest: str = ""

    @property
    def empty(self) -> bool:
        return not (self.adds or self.changes or self.deactivations)


@dataclass(frozen=True)
class ImportResult:
    added: int
    changed: int
    deactivated: int


@dataclass(frozen=True)
class _Row:
    line: int
    data: StakeholderData
    email: str
    #: Whether the file says active or not; None when its active cell is empty or absent.
    active: bool | None


def _read_rows(partnership: Partnership, raw: bytes) -> tuple[list[_Row], list[str]]:
    """The file's rows, each checked with `check_row` (an email already in the partnership is
    the stakeholder to update, not an error), or every problem with its line number."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [f"The file is not UTF-8 text (byte {exc.start}). Save it as CSV UTF-8."]
    if not text.strip():
        return [], ["The file is empty."]
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return [], ["The file has no header row."]
    required = [c for c in CSV_COLUMNS if c != "active"]
    missing = [c for c in required if c not in header]
    if missing:
        return [], [
            "Line 1: the header lacks the column(s) "
            + ", ".join(missing)
            + ". Expected: "
            + ", ".join(CSV_COLUMNS)
            + " (active is optional)."
        ]
    col = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    orgs: dict[str, Organization] = {}
    for org in partnership.organizations:
        orgs[org.name.strip().lower()] = org
        orgs[org.short_code.strip().lower()] = org
    seen: dict[str, int] = {}
    errors: list[str] = []
    rows: list[_Row] = []
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
                level=level_from_word(cell("level")),
                is_active=active_raw not in _FALSE,
            )
            email, problems = check_row(partnership, data, is_taken=lambda _email: False)
            if email:
                if email in seen:
                    problems.append(
                        f"{email} appears twice in the file (also on line {seen[email]})"
                    )
                else:
                    seen[email] = line
            if active_raw and active_raw not in _TRUE | _FALSE:
                problems.append(f"active {cell('active')!r} is not yes or no")
            if problems:
                errors.append(f"Line {line}: " + "; ".join(problems) + ".")
                continue
            rows.append(_Row(line, data, email, (active_raw in _TRUE) if active_raw else None))
    except csv.Error as exc:
        errors.append(f"Line {reader.line_num}: the CSV cannot be read ({exc}).")
    if not errors and not rows:
        errors.append("The file has a header but no stakeholders.")
    return rows, errors


def _field_changes(
    partnership: Partnership, current: Stakeholder, row: _Row
) -> tuple[tuple[str, str, str], ...]:
    org_names = {o.id: o.name for o in partnership.organizations}
    data = row.data
    pairs = [
        ("name", current.name, data.name),
        ("organization", org_names[current.organization_id], org_names[data.organization_id or 0]),
        ("function", current.function, data.function),
        ("level", level_word(current.level), level_word(data.level)),
    ]
    if row.active is not None:
        pairs.append(("status", _status(current.is_active), _status(row.active)))
    return tuple((what, old, new) for what, old, new in pairs if old != new)


def _status(active: bool) -> str:
    return "active" if active else "inactive"


def plan_import(partnership: Partnership, raw: bytes, *, complete: bool = False) -> ImportPlan:
    """What importing the CSV would do, writing nothing (UTF-8, with or without BOM, header
    row; columns name, email, organization (name or short code), function, level, optional
    active yes/no). A row whose email is a stakeholder's already updates that stakeholder; an
    empty or missing active cell keeps their status (a new stakeholder is active). With
    `complete`, the file is the whole list: active stakeholders it does not name are
    deactivated. Reads only."""
    rows, errors = _read_rows(partnership, raw)
    if errors:
        return ImportPlan(errors=tuple(errors))
    existing = {s.email: s for s in list_stakeholders(partnership)}
    org_names = {o.id: o.name for o in partnership.organizations}
    adds: list[PlannedRow] = []
    changes: list[PlannedChange] = []
    deactivations: list[PlannedChange] = []
    unchanged = 0
    for row in rows:
        current = existing.get(row.email)
        if current is None:
            adds.append(
                PlannedRow(
                    row.line,
                    row.data.name,
                    row.email,
                    org_names[row.data.organization_id or 0],
                    row.data.function,
                    level_word(row.data.level),
                    row.active is not False,
                )
            )
            continue
        fields = _field_changes(partnership, current, row)
        if not fields:
            unchanged += 1
            continue
        change = PlannedChange(current.id, current.name, current.email, fields)
        if ("status", "active", "inactive") in fields:
            deactivations.append(change)
        else:
            changes.append(change)
    if complete:
        named = {row.email for row in rows}
        for email, current in existing.items():
            if current.is_active and email not in named:
                deactivations.append(
                    PlannedChange(
                        current.id,
                        current.name,
                        email,
                        (("status", "active", "inactive (not in the file)"),),
                    )
                )
    plan = ImportPlan((), tuple(adds), tuple(changes), tuple(deactivations), unchanged)
    digest = hashlib.sha256(repr((plan.adds, plan.changes, plan.deactivations)).encode())
    return dataclasses.replace(plan, digest=digest.hexdigest())


class ImportChanged(PartnershipError):
    """The stakeholders or the file changed between the preview and applying it."""


@db.writes
def apply_import(
    partnership: Partnership, raw: bytes, *, complete: bool, digest: str
) -> ImportResult:
    """Apply the plan the coach previewed (`plan_import`): add, update and deactivate in one
    transaction. Refused (`PartnershipError`, nothing written) when the file has errors, and
    (`ImportChanged`) when the plan is no longer the one previewed. Commits."""
    plan = plan_import(partnership, raw, complete=complete)
    if plan.errors:
        raise PartnershipError("The file has errors: nothing was imported.")
    if plan.digest != digest:
        raise ImportChanged(
            "The stakeholders changed since the preview, so nothing was imported. Check the "
            "new preview and apply it again."
        )
    rows = {row.email: row for row in _read_rows(partnership, raw)[0]}
    for add in plan.adds:
        data = rows[add.email].data
        assert data.organization_id is not None
        db.session.add(
            Stakeholder(
                partnership_id=partnership.id,
                organization_id=data.organization_id,
                name=data.name,
                email=add.email,
                function=data.function,
                level=data.level,
                is_active=add.active,
            )
        )
    for change in plan.changes + plan.deactivations:
        stakeholder = db.session.get(Stakeholder, change.stakeholder_id)
        assert stakeholder is not None
        row = rows.get(change.email)
        if row is None:  # not in a complete list
            stakeholder.is_active = False
            continue
        assert row.data.organization_id is not None
        stakeholder.name = row.data.name
        stakeholder.organization_id = row.data.organization_id
        stakeholder.function = row.data.function
        stakeholder.level = row.data.level
        if row.active is not None:
            stakeholder.is_active = row.active
    db.session.commit()
    log.info(
        "import into partnership %s: %s added, %s changed, %s deactivated",
        partnership.id,
        len(plan.adds),
        len(plan.changes),
        len(plan.deactivations),
    )
    return ImportResult(len(plan.adds), len(plan.changes), len(plan.deactivations))


@db.writes
def set_stakeholders_active(partnership: Partnership, ids: list[int], active: bool) -> int:
    """Activate or deactivate several stakeholders of the partnership at once (ids of other
    partnerships are ignored). Commits; returns how many changed."""
    if not ids:
        return 0
    changed = affected_rows(
        db.session.execute(
            update(Stakeholder)
            .where(
                Stakeholder.partnership_id == partnership.id,
                Stakeholder.id.in_(ids),
                Stakeholder.is_active != active,
            )
            .values(is_active=active)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return changed


def export_stakeholders_csv(partnership: Partnership) -> str:
    """The partnership's stakeholders as CSV, in the import's format (round-trips). Every text
    cell goes through the formula guard."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for s in list_stakeholders(partnership):
        row = [s.name, s.email, s.organization.short_code, s.function, level_word(s.level)]
        writer.writerow([safe_text(cell) for cell in row] + ["yes" if s.is_active else "no"])
    return out.getvalue()
