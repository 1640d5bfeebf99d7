"""Partnerships, their two organizations, coach memberships and stakeholders."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import logging
import math
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select, update

from partnership.accounts.models import User
from partnership.errors import Forbidden, NotFound, Refused
from partnership.extensions import db
from partnership.partnerships.models import (
    DEFAULT_FUNCTIONS,
    LEVELS,
    Membership,
    Organization,
    Partnership,
    Stakeholder,
)
from partnership.scoring import Settings
from partnership.spreadsheet import safe_text

log = logging.getLogger(__name__)
CSV_COLUMNS = ("name", "email", "organization", "function", "level", "active")
MAX_IMPORT_ROWS = 5000


class PartnershipError(Refused):
    """A use case refused, with a message fit for the user."""


@dataclass
class PartnershipData:
    name: str
    description: str
    start_date: dt.date | None
    timezone: str
    org_a_name: str
    org_a_code: str
    org_b_name: str
    org_b_code: str
    functions: list[str] = field(default_factory=lambda: list(DEFAULT_FUNCTIONS))
    min_group: int = 5


def timezones() -> list[str]:
    return sorted(available_timezones())


# --- access -------------------------------------------------------------------------------


def visible_partnerships(user: User, *, archived: bool = False) -> list[Partnership]:
    stmt = (
        select(Partnership).where(Partnership.is_archived.is_(archived)).order_by(Partnership.name)
    )
    if not user.is_admin:
        stmt = stmt.join(Membership, Membership.partnership_id == Partnership.id).where(
            Membership.user_id == user.id
        )
    return list(db.session.scalars(stmt))


def can_access(user: User, partnership_id: int) -> bool:
    if user.is_admin:
        return True
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.partnership_id == partnership_id, Membership.user_id == user.id
            )
        )
        is not None
    )


def get_partnership_or_404(user: User, partnership_id: int, *, write: bool = False) -> Partnership:
    """The one access check: the partnership if the user may see it, else `NotFound` (404:
    never reveal that it exists).

    With write=True a user who may see it but not change it gets `Forbidden` (403): an
    archived partnership is read-only, and steering members are read-mostly.
    """
    partnership = db.session.get(Partnership, partnership_id)
    if partnership is None or not can_access(user, partnership_id):
        raise NotFound("There is nothing at this address, or you have no access to it.")
    if write and not can_write(user, partnership):
        raise Forbidden("Your account may not do this.")
    return partnership


def get_coached_partnership_or_404(
    user: User, partnership_id: int, *, write: bool = False
) -> Partnership:
    """`get_partnership_or_404` for coach-only pages (the schedule, the outbox): its steering
    members get `Forbidden` (403)."""
    partnership = get_partnership_or_404(user, partnership_id, write=write)
    if user.role == "steering":
        raise Forbidden("Your account may not do this.")
    return partnership


def can_write(user: User, partnership: Partnership) -> bool:
    """Whether the user may change the partnership: not when it is archived (read-only), and
    not as a steering member (read-mostly). Pages use it to offer only what will be allowed."""
    return not partnership.is_archived and user.role != "steering"


def get_child_or_404(model: type, child_id: object, partnership: Partnership):  # type: ignore[no-untyped-def]
    """A row of `model` that belongs to the partnership, else `NotFound`."""
    row = db.session.get(model, child_id)
    if row is None or getattr(row, "partnership_id", None) != partnership.id:
        raise NotFound("There is nothing at this address, or you have no access to it.")
    return row


# --- partnerships -------------------------------------------------------------------------


def _check(data: PartnershipData) -> None:
    if data.timezone not in available_timezones():
        raise PartnershipError(f"Unknown time zone {data.timezone!r}.")
    if data.org_a_code.strip().lower() == data.org_b_code.strip().lower():
        raise PartnershipError("The two organizations need different short codes.")
    if data.org_a_name.strip().lower() == data.org_b_name.strip().lower():
        raise PartnershipError("The two organizations need different names.")
    if not 3 <= data.min_group <= 50:
        raise PartnershipError("The privacy threshold must be between 3 and 50.")


def create_partnership(user: User, data: PartnershipData) -> Partnership:
    """Create a partnership with its two organizations; the creator becomes a member. Commits."""
    _check(data)
    partnership = Partnership(
        name=data.name.strip(),
        description=data.description.strip(),
        start_date=data.start_date,
        timezone=data.timezone,
        functions=list(data.functions),
        min_group=data.min_group,
    )
    db.session.add(partnership)
    db.session.flush()
    for position, (name, code) in enumerate(
        ((data.org_a_name, data.org_a_code), (data.org_b_name, data.org_b_code)), start=1
    ):
        db.session.add(
            Organization(
                partnership_id=partnership.id,
                position=position,
                name=name.strip(),
                short_code=code.strip(),
            )
        )
    db.session.add(Membership(partnership_id=partnership.id, user_id=user.id, role="coach"))
    db.session.commit()
    db.session.refresh(partnership)
    log.info("partnership %s created by user %s", partnership.id, user.id)
    return partnership


def update_partnership(partnership: Partnership, data: PartnershipData) -> None:
    """Edit a partnership and its organizations' names and codes. Commits."""
    _check(data)
    in_use = set(
        db.session.scalars(
            select(Stakeholder.function)
            .where(Stakeholder.partnership_id == partnership.id)
            .distinct()
        )
    )
    missing = sorted(in_use - set(data.functions))
    if missing:
        raise PartnershipError(
            "These functions are still used by stakeholders: " + ", ".join(missing) + "."
        )
    partnership.name = data.name.strip()
    partnership.description = data.description.strip()
    partnership.start_date = data.start_date
    partnership.timezone = data.timezone
    partnership.functions = list(data.functions)
    partnership.min_group = data.min_group
    org_a, org_b = partnership.organizations
    org_a.name, org_a.short_code = data.org_a_name.strip(), data.org_a_code.strip()
    org_b.name, org_b.short_code = data.org_b_name.strip(), data.org_b_code.strip()
    db.session.commit()


def set_archived(partnership: Partnership, archived: bool) -> None:
    """Archive (read-only, hidden from lists) or restore a partnership. Commits."""
    partnership.is_archived = archived
    db.session.commit()


def add_coach(partnership: Partnership, email: str) -> User:
    """Give an existing coach account access to the partnership (admins only). Commits."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise PartnershipError(f"No account with the email {email.strip().lower()}.")
    exists = db.session.scalar(
        select(Membership.id).where(
            Membership.partnership_id == partnership.id, Membership.user_id == user.id
        )
    )
    if exists is not None:
        raise PartnershipError(f"{user.email} is already a member of this partnership.")
    db.session.add(
        Membership(
            partnership_id=partnership.id,
            user_id=user.id,
            role=user.role if user.role == "steering" else "coach",
        )
    )
    db.session.commit()
    return user


def members(partnership: Partnership) -> list[tuple[User, Membership]]:
    rows = db.session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership.id)
        .order_by(User.name)
    ).all()
    return [(u, m) for u, m in rows]


# --- stakeholders -------------------------------------------------------------------------


@dataclass
class StakeholderData:
    name: str
    email: str
    organization_id: int
    function: str
    level: str
    is_active: bool = True


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
    return validate_email(raw.strip(), check_deliverability=False).normalized.lower()


def _check_stakeholder(
    partnership: Partnership, data: StakeholderData, *, exclude_id: int | None = None
) -> str:
    try:
        email = _normalise_email(data.email)
    except EmailNotValidError as exc:
        raise PartnershipError(f"The email address is not valid: {exc}")
    if data.organization_id not in {o.id for o in partnership.organizations}:
        raise PartnershipError("Choose one of the partnership's two organizations.")
    if data.function not in partnership.functions:
        raise PartnershipError(f"Unknown function {data.function!r}.")
    if data.level not in LEVELS:
        raise PartnershipError(f"Unknown level {data.level!r}.")
    stmt = select(Stakeholder.id).where(
        Stakeholder.partnership_id == partnership.id, Stakeholder.email == email
    )
    if exclude_id is not None:
        stmt = stmt.where(Stakeholder.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise PartnershipError(f"A stakeholder with the email {email} already exists.")
    return email


def add_stakeholder(partnership: Partnership, data: StakeholderData) -> Stakeholder:
    """Add one stakeholder. Commits."""
    email = _check_stakeholder(partnership, data)
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


def update_stakeholder(
    partnership: Partnership, stakeholder: Stakeholder, data: StakeholderData
) -> None:
    """Edit a stakeholder. Commits."""
    email = _check_stakeholder(partnership, data, exclude_id=stakeholder.id)
    stakeholder.name = data.name.strip()
    stakeholder.email = email
    stakeholder.organization_id = data.organization_id
    stakeholder.function = data.function
    stakeholder.level = data.level
    stakeholder.is_active = data.is_active
    db.session.commit()


def set_stakeholder_active(stakeholder: Stakeholder, active: bool) -> None:
    """Deactivate (no further invitations) or reactivate a stakeholder. Commits."""
    stakeholder.is_active = active
    db.session.commit()


def erase_stakeholder(stakeholder: Stakeholder) -> str:
    """Erase a person (privacy request): the stakeholder row and their unused invitations go;
    the anonymous responses stay, since nothing links them to the person. An invitation they
    used stays as an anonymous count (no person, no link): the person was invited and
    answered, and participation (respondents over invitees, scoring.md section 5) must not
    exceed 100 % after the erasure. Their emails in the outbox go too, pending and delivered.
    Commits."""
    name = stakeholder.name
    from partnership.outbox.models import OutboxMessage
    from partnership.surveys.models import Invitation, InvitationToken

    mine = Invitation.stakeholder_id == stakeholder.id
    db.session.execute(
        delete(InvitationToken).where(
            InvitationToken.invitation_id.in_(select(Invitation.id).where(mine))
        )
    )
    db.session.execute(delete(Invitation).where(mine, Invitation.is_used.is_(False)))
    db.session.execute(update(Invitation).where(mine).values(stakeholder_id=None))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.stakeholder_id == stakeholder.id))
    db.session.expire_all()
    db.session.delete(stakeholder)
    db.session.commit()
    log.info("stakeholder %s erased", stakeholder.id)
    return name


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

            problems: list[str] = []
            name = cell("name")
            if not name:
                problems.append("the name is empty")
            elif len(name) > 200:
                problems.append("the name is longer than 200 characters")
            email = ""
            try:
                email = _normalise_email(cell("email"))
            except EmailNotValidError:
                problems.append(f"{cell('email') or '(empty)'!s} is not a valid email address")
            if email:
                if email in existing:
                    problems.append(f"{email} is already a stakeholder of this partnership")
                elif email in seen:
                    problems.append(
                        f"{email} appears twice in the file (also on line {seen[email]})"
                    )
                else:
                    seen[email] = line
            org = orgs.get(cell("organization").lower())
            if org is None:
                problems.append(
                    f"organization {cell('organization') or '(empty)'!r} is neither "
                    + " nor ".join(f"{o.name} ({o.short_code})" for o in partnership.organizations)
                )
            function = cell("function").lower()
            if function not in partnership.functions:
                problems.append(
                    f"function {cell('function') or '(empty)'!r} is not one of: "
                    + ", ".join(partnership.functions)
                )
            level = _LEVEL_ALIASES.get(cell("level").lower())
            if level is None:
                problems.append(
                    f"level {cell('level') or '(empty)'!r} is not one of: executive, manager, individual contributor"
                )
            active_raw = cell("active").lower()
            if active_raw not in _TRUE | _FALSE:
                problems.append(f"active {cell('active')!r} is not yes or no")
            if problems:
                errors.append(f"Line {line}: " + "; ".join(problems) + ".")
                continue
            assert org is not None and level is not None
            rows.append(
                Stakeholder(
                    partnership_id=partnership.id,
                    organization_id=org.id,
                    name=name,
                    email=email,
                    function=function,
                    level=level,
                    is_active=active_raw not in _FALSE,
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


# --- scoring thresholds -------------------------------------------------------------------
#
# scoring.md section 6: every early-warning threshold is a per-partnership setting with
# scoring.md's default. ``Partnership.thresholds`` holds only the overrides, by the field name
# of ``partnership.scoring.Settings``, so a later change of a default reaches every partnership
# that never overrode it. Shares (participation, polarization) are typed as percentages and
# stored as shares (60 % -> 0.6), as the scoring package reads them.


@dataclass(frozen=True)
class Threshold:
    """One threshold as a coach sees it.

    ``unit``: "points" (the 0-100 score scale), "percent" (a share, typed as a percentage),
    "pp" (a difference of two shares, typed in percentage points), "rwg" (the agreement
    coefficient), "g" (an effect size), "count" (a whole number of signs). The typed value
    lies in ``minimum``..``maximum``; with ``above_minimum`` the minimum itself is refused
    (a magnitude of 0 would fire on every survey).
    """

    name: str
    rule: str
    label: str
    unit: str
    minimum: float
    maximum: float
    above_minimum: bool = False

    @property
    def scale(self) -> int:
        """Typed value = stored value x scale."""
        return 100 if self.unit in ("percent", "pp") else 1

    @property
    def whole(self) -> bool:
        return self.unit == "count"

    @property
    def default(self) -> float:
        """scoring.md's default, as stored (read from ``Settings`` so the two never differ)."""
        return THRESHOLD_DEFAULTS[self.name]

    def to_stored(self, typed: float) -> float:
        if self.whole:
            return int(typed)
        if self.scale == 1:
            return float(typed)
        # through Decimal, so 58 % is stored as 0.58 exactly as written, not 0.58000000000000007
        return float(Decimal(repr(float(typed))) / self.scale)

    def to_typed(self, stored: float) -> float:
        if self.whole:
            return int(stored)
        return float(Decimal(repr(float(stored))) * self.scale)

    def show(self, stored: float) -> str:
        """A stored value as typed, with its unit: "60 %", "12.5 points", "0.5"."""
        return plain_number(self.to_typed(stored)) + UNIT_SUFFIX[self.unit]

    @property
    def range_text(self) -> str:
        """The allowed values in words: "from 0 to 100 points", "above 0 and at most 10"."""
        low, high = plain_number(self.minimum), plain_number(self.maximum) + UNIT_SUFFIX[self.unit]
        if self.above_minimum:
            return f"above {low} and at most {high}"
        return f"from {low} to {high}" + (", a whole number" if self.whole else "")

    @property
    def field_label(self) -> str:
        """The label of its form field: the rule in plain words and the unit it is typed in."""
        unit = UNIT_LABELS[self.unit]
        return f"{self.label} ({unit})" if unit else self.label

    def check(self, typed: float) -> str | None:
        """Why the typed value is refused, or None."""
        if not math.isfinite(typed):
            return "Enter a number."
        if self.whole and not float(typed).is_integer():
            return "Enter a whole number."
        too_low = typed <= self.minimum if self.above_minimum else typed < self.minimum
        if too_low or typed > self.maximum:
            return f"Enter a value {self.range_text}."
        return None


UNIT_SUFFIX = {
    "points": " points",
    "percent": " %",
    "pp": " percentage points",
    "rwg": "",
    "g": "",
    "count": " signs",
}
UNIT_LABELS = {
    "points": "points",
    "percent": "%",
    "pp": "percentage points",
    "rwg": "",
    "g": "",
    "count": "",
}

#: The rules of scoring.md's table, in its order, with a plain-words summary for the page.
THRESHOLD_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "LEVEL",
        "Level",
        "The joint score J of a dimension (the two organizations' scores averaged, each "
        "organization weighing the same) is low.",
    ),
    (
        "GAP",
        "Gap between the organizations",
        "The gap G (first organization's score minus the second's) is wide. Red needs the "
        "effect size g (Hedges' g, the gap in pooled standard deviations) as well.",
    ),
    (
        "TREND",
        "Trend",
        "J falls over the last closed surveys of the same instrument. Amber needs J to fall "
        "in each of the last two cycles; either red condition alone suffices.",
    ),
    (
        "DIVERGENCE",
        "Divergence",
        "The gap between the organizations widens over two cycles, in the same direction.",
    ),
    (
        "CONSENSUS",
        "Consensus inside an organization",
        "Judged for an organization with at least 5 persons in the dimension. Amber is also "
        "raised when the mean absolute deviation AD exceeds A/6 (Burke and Dunlap's fixed "
        "cut-off, not a setting).",
    ),
    (
        "PARTICIPATION",
        "Participation",
        "Respondents over invitees, per organization.",
    ),
    (
        "EARLY_WARNING_SIGNS",
        "Early-warning signs",
        "A sign of the plan-and-execution check is present in an organization when the median "
        "answer to its item is “most cycles” or more often.",
    ),
    (
        "HEALTH",
        "Dimension health",
        "A dimension is red with any red signal, amber with any amber signal or when J is "
        "below this score, green otherwise.",
    ),
)

THRESHOLDS: tuple[Threshold, ...] = (
    Threshold("level_amber", "LEVEL", "Amber when J is below", "points", 0, 100),
    Threshold("level_red", "LEVEL", "Red when J is below", "points", 0, 100),
    Threshold(
        "gap_amber", "GAP", "Amber when the gap is at least (either way)", "points", 0, 100, True
    ),
    Threshold(
        "gap_red", "GAP", "Red when the gap is at least (either way)", "points", 0, 100, True
    ),
    Threshold(
        "gap_red_g",
        "GAP",
        "Red also needs an effect size g of at least (either way)",
        "g",
        0,
        10,
        True,
    ),
    Threshold(
        "trend_amber",
        "TREND",
        "Amber when J fell over two cycles by at least",
        "points",
        0,
        100,
        True,
    ),
    Threshold(
        "trend_red_2",
        "TREND",
        "Red when J fell over two cycles by at least",
        "points",
        0,
        100,
        True,
    ),
    Threshold(
        "trend_red_1",
        "TREND",
        "Red when J fell since the previous cycle by at least",
        "points",
        0,
        100,
        True,
    ),
    Threshold(
        "divergence",
        "DIVERGENCE",
        "Amber when the gap widened over two cycles by at least",
        "points",
        0,
        100,
        True,
    ),
    Threshold(
        "rwg_min", "CONSENSUS", "Amber when an organization's agreement rwg is below", "rwg", -1, 1
    ),
    Threshold(
        "polarized_share",
        "CONSENSUS",
        "Red (polarized) when both favorable and unfavorable answers reach",
        "percent",
        0,
        50,
        True,
    ),
    Threshold(
        "participation_amber",
        "PARTICIPATION",
        "Amber when an organization's participation is below",
        "percent",
        0,
        100,
    ),
    Threshold(
        "participation_red",
        "PARTICIPATION",
        "Red when an organization's participation is below",
        "percent",
        0,
        100,
    ),
    Threshold(
        "participation_drop",
        "PARTICIPATION",
        "Amber when an organization's participation fell since the previous cycle by at least",
        "pp",
        0,
        100,
        True,
    ),
    Threshold(
        "participation_diff",
        "PARTICIPATION",
        "Amber when the two organizations' participation differs by at least",
        "pp",
        0,
        100,
        True,
    ),
    Threshold(
        "signs_amber",
        "EARLY_WARNING_SIGNS",
        "Amber when one organization shows at least this many of the ten signs",
        "count",
        1,
        10,
    ),
    Threshold(
        "signs_red",
        "EARLY_WARNING_SIGNS",
        "Red when one organization shows at least this many of the ten signs",
        "count",
        1,
        10,
    ),
    Threshold("health_amber_j", "HEALTH", "At least amber when J is below", "points", 0, 100),
)
THRESHOLDS_BY_NAME = {t.name: t for t in THRESHOLDS}
THRESHOLD_DEFAULTS: dict[str, float] = {
    f.name: f.default  # type: ignore[misc]
    for f in dataclasses.fields(Settings)
    if f.name != "min_group"
}

#: Settings fields kept in ``Partnership.thresholds`` that this page does not edit (none today;
#: min_group is a column of its own).
_OTHER_SETTINGS = frozenset(THRESHOLD_DEFAULTS) - frozenset(THRESHOLDS_BY_NAME)

#: Red must be at least as strict as amber: (red, amber, "<=" or ">=" between them).
THRESHOLD_ORDER: tuple[tuple[str, str, str], ...] = (
    ("level_red", "level_amber", "<="),
    ("gap_red", "gap_amber", ">="),
    ("trend_red_2", "trend_amber", ">="),
    ("participation_red", "participation_amber", "<="),
    ("signs_red", "signs_amber", ">="),
)


def plain_number(value: float) -> str:
    """60, 12.5, 0.25: as a person would type it (no trailing zeros, no exponent)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{Decimal(repr(float(value))).normalize():f}"


class ThresholdsRefused(PartnershipError):
    """The thresholds were refused; ``errors`` lists (field name or None, message)."""

    def __init__(self, errors: list[tuple[str | None, str]]) -> None:
        super().__init__(" ".join(message for _, message in errors))
        self.errors = errors


@dataclass(frozen=True)
class ThresholdRow:
    """One threshold of a partnership: its current (stored) value and whether it is an
    override of scoring.md's default."""

    spec: Threshold
    value: float

    @property
    def is_override(self) -> bool:
        return not _same(self.value, self.spec.default)


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def current_thresholds(partnership: Partnership) -> dict[str, ThresholdRow]:
    """Every threshold of the partnership, by field name: its override, else the default.
    Keys of ``partnership.thresholds`` that are not thresholds are ignored, as scoring does."""
    stored = partnership.thresholds or {}
    rows = {}
    for spec in THRESHOLDS:
        raw = stored.get(spec.name, spec.default)
        try:
            value = int(raw) if spec.whole else float(raw)
        except (TypeError, ValueError):
            value = spec.default
        rows[spec.name] = ThresholdRow(spec, value)
    return rows


def _check_thresholds(partnership: Partnership, typed: dict[str, float | None]) -> dict[str, float]:
    """The stored values of the typed thresholds, or ThresholdsRefused with every reason."""
    errors: list[tuple[str | None, str]] = []
    stored: dict[str, float] = {}
    for spec in THRESHOLDS:
        value = typed.get(spec.name)
        if value is None:
            errors.append((spec.name, f"Enter a value (the default is {spec.show(spec.default)})."))
            continue
        problem = spec.check(value)
        if problem:
            errors.append((spec.name, problem))
            continue
        stored[spec.name] = spec.to_stored(value)
    for red, amber, relation in THRESHOLD_ORDER:
        if red not in stored or amber not in stored:
            continue
        red_spec, amber_spec = THRESHOLDS_BY_NAME[red], THRESHOLDS_BY_NAME[amber]
        if relation == "<=" and stored[red] > stored[amber] + 1e-12:
            errors.append(
                (
                    red,
                    f"Red must be at most the amber value ({amber_spec.show(stored[amber])}), "
                    "so that red is the stricter warning.",
                )
            )
        elif relation == ">=" and stored[red] < stored[amber] - 1e-12:
            errors.append(
                (
                    red,
                    f"Red must be at least the amber value ({amber_spec.show(stored[amber])}), "
                    "so that red is the stricter warning.",
                )
            )
        del red_spec
    if not errors:
        try:
            Settings(min_group=partnership.min_group, **stored)
        except (TypeError, ValueError) as exc:
            errors.append((None, f"The scoring rules refuse these thresholds: {exc}"))
    if errors:
        raise ThresholdsRefused(errors)
    return stored


def save_thresholds(partnership: Partnership, typed: dict[str, float | None]) -> list[str]:
    """Set the partnership's early-warning thresholds from what a coach typed (percentages
    for shares). Stores only the values that differ from scoring.md's default; overrides of
    settings this page does not show are kept. Refuses (ThresholdsRefused, nothing changed)
    out-of-range values, red laxer than amber, and whatever ``Settings`` refuses. Returns the
    names now overridden. Commits."""
    stored = _check_thresholds(partnership, typed)
    kept = {
        name: value
        for name, value in (partnership.thresholds or {}).items()
        if name in _OTHER_SETTINGS
    }
    overrides = {
        name: value
        for name, value in stored.items()
        if not _same(value, THRESHOLDS_BY_NAME[name].default)
    }
    # a new dict, so SQLAlchemy sees the JSON column change
    partnership.thresholds = {**kept, **overrides}
    db.session.commit()
    log.info("partnership %s: %d threshold overrides", partnership.id, len(overrides))
    return sorted(overrides)


def restore_default_thresholds(partnership: Partnership) -> None:
    """Drop every override: the partnership follows scoring.md's defaults again. Commits."""
    partnership.thresholds = {}
    db.session.commit()
    log.info("partnership %s: thresholds restored to the defaults", partnership.id)
