"""Taking a survey through a personal link: the stakeholder's page, the submission, opting out
of reminders.

Links: the token in `/s/<token>` is looked up by its SHA-256 among the invitation's link hashes
(`InvitationToken`: the invitation email and every reminder minted one, and all of them work). An unknown token, or a survey that
is not open yet, gets one neutral answer; a used token gets "already answered"; a closed survey
says when it closed. A GET never consumes the token (mail scanners fetch links): only the POST of
answers does. Unknown tokens count as failures per client IP (partnership.throttle); once an IP
is blocked every link lookup from it is refused until the wait is over, so a blocked client
cannot learn whether a guess was right.

Hot path (recipes.md, "Survey page speed"): the link (with its survey, partnership and the
client's throttle state) is read with one prebuilt Core select into plain dataclasses; the items
of a locked, hence immutable, version are read once per process; the invitation is marked used
by one conditional UPDATE (setting the used flag and nothing else) whose row count decides who
won; the response and its answers are
written with Core inserts (one executemany). No ORM objects are built, loaded or flushed for a
stakeholder.

Anonymity: the response keeps its survey, the segment copied from the invitation and the day.
Nothing links it to the invitation or the stakeholder; its id is a random uuid4.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from flask import current_app
from markupsafe import escape
from sqlalchemy import (
    Connection,
    Table,
    TextClause,
    bindparam,
    exists,
    insert,
    or_,
    select,
    text,
    update,
)

from partnership import throttle
from partnership.accounts.models import AttemptThrottle
from partnership.db import new_uuid, utcnow
from partnership.extensions import db
from partnership.instruments.catalog import NA_LABEL, SCALES, render_text
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.instruments.services import dimension_label
from partnership.memo import kept
from partnership.partnerships.models import (
    Organization,
    Partnership,
    Stakeholder,
    other_organization,
)
from partnership.surveys.models import (
    Comment,
    Invitation,
    InvitationToken,
    Response,
    Survey,
    hash_token,
)
from partnership.timefmt import long_when

log = logging.getLogger(__name__)

#: Longest comment accepted, in characters after stripping (line breaks count as one).
COMMENT_MAX = 2000
#: Unknown-token lookups an IP may make (per hour) before each further one waits longer.
TOKEN_FREE_ATTEMPTS = 20
#: The longest wait, in seconds, once an IP keeps trying unknown tokens.
TOKEN_MAX_DELAY = 300

#: Option values and labels of each closed kind, as the form posts them ("na" is separate).
SCALE_OPTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    kind: tuple((str(value), label) for value, label in options) for kind, options in SCALES.items()
}
#: The same with each label HTML-escaped once, for the radio loop of templates/take/_items.html
#: (which writes them with autoescape off).
SCALE_OPTIONS_HTML: dict[str, tuple[tuple[str, str], ...]] = {
    kind: tuple((value, str(escape(label))) for value, label in options)
    for kind, options in SCALE_OPTIONS.items()
}
_VALID = {kind: {value for value, _ in options} for kind, options in SCALE_OPTIONS.items()}
_RADIO_TAILS = {
    (False, False): "",
    (True, False): " required",
    (False, True): ' aria-invalid="true"',
    (True, True): ' required aria-invalid="true"',
}
#: What the ends of the 0-10 likelihood scale mean (shown under the eleven radios).
LIKELIHOOD_ENDS = ("0 = not at all likely", "10 = extremely likely")


def _table(model: type[Any]) -> Table:
    """A model's Core table (typed: ``__table__`` is declared as any FromClause)."""
    return cast(Table, model.__table__)


_inv = _table(Invitation)
_tok = _table(InvitationToken)
_sur = _table(Survey)
_par = _table(Partnership)
_org = _table(Organization)
_ins = _table(Instrument)
_itm = _table(Item)
_ver = _table(InstrumentVersion)
_thr = _table(AttemptThrottle)


# --- plain data read on the hot path ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageItem:
    """The part of an item the survey page and its validation need."""

    id: int
    position: int
    kind: str
    text: str
    help: str
    allow_na: bool
    is_required: bool
    #: The scored dimension (key); None for the overall item, likelihood items and comments.
    dimension: str | None = None


@dataclass(frozen=True, slots=True)
class PageInstrument:
    name: str
    description: str
    minutes: int


@dataclass(frozen=True, slots=True)
class PageVersion:
    """Duck-types InstrumentVersion for `survey_page_context` and `validate_answers`."""

    id: int
    instrument: PageInstrument
    items: tuple[PageItem, ...]
    #: Labels the coach gave dimensions in this version ({key: label}).
    dimension_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageOrganization:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class PagePartnership:
    """Duck-types Partnership for `survey_page_context`."""

    id: int
    name: str
    timezone: str
    min_group: int
    organizations: tuple[PageOrganization, ...]


@dataclass(frozen=True, slots=True)
class Link:
    """What a survey token leads to: the invitation, its survey and partnership, as plain data."""

    invitation_id: int
    stakeholder_id: int
    survey_id: int
    organization_id: int
    function: str
    level: str
    is_used: bool
    state: str
    closes_at: dt.datetime | None
    closed_at: dt.datetime | None
    version_id: int
    instrument: PageInstrument
    partnership: PagePartnership
    #: (version id, created_at) when the version is locked (immutable), else None.
    version_key: tuple[int, Any] | None = None
    dimension_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def organization(self) -> PageOrganization:
        for org in self.partnership.organizations:
            if org.id == self.organization_id:
                return org
        return PageOrganization(self.organization_id, "")

    def closed_since(self, now: dt.datetime) -> dt.datetime | None:
        """When the survey closed, if it has: closed by the coach, or its close time passed
        (before a scheduler got round to closing it)."""
        if self.state == "closed":
            return self.closed_at or self.closes_at or now
        if self.closes_at is not None and self.closes_at <= now:
            return self.closes_at
        return None


@dataclass(frozen=True, slots=True)
class _Items:
    """A version's items alone: what validating a submission needs (duck-types a version
    for `validate_answers`, `unexpected_fields` and `kept_answers`)."""

    items: tuple[PageItem, ...]


@dataclass(frozen=True, slots=True)
class _Submission:
    """What storing a submission needs of its link: the invitation, its survey's state and
    its version (no partnership, organization or instrument: nothing the page shows)."""

    invitation_id: int
    survey_id: int
    organization_id: int
    function: str
    level: str
    is_used: bool
    state: str
    closes_at: dt.datetime | None
    version_id: int
    version_key: tuple[int, Any] | None

    def may_submit(self, now: dt.datetime) -> bool:
        """Unused and open now (the conditional UPDATE checks it again when writing)."""
        return (
            not self.is_used
            and self.state == "open"
            and (self.closes_at is None or self.closes_at > now)
        )


@dataclass(frozen=True, slots=True)
class PageField:
    """One question as the page renders it (attributes, so Jinja reads them fast)."""

    id: int
    number: int
    #: The form field name, "item-<id>"; radio ids are "<name>-<value>".
    name: str
    kind: str
    text: str
    help: str
    required: bool
    allow_na: bool
    #: The answer to show as chosen (raw option value, "na", or comment text).
    value: str
    error: str
    #: The id the error summary links to: the first radio, or the textarea.
    first_id: str
    describedby: str
    #: Fixed attributes every radio of the item carries (` required`, ` aria-invalid="true"`).
    radio_tail: str = ""
    #: The item's dimension (key), or None: the page groups its questions by it.
    dimension: str | None = None


@dataclass(frozen=True, slots=True)
class PageSection:
    """A part of the survey page: the questions of one dimension, under its heading."""

    number: int
    heading: str
    items: tuple[PageField, ...]

    @property
    def id(self) -> str:
        return f"part-{self.number}"


def page_sections(fields: list[PageField], version: Any) -> list[PageSection]:
    """The page's questions grouped into parts: consecutive questions of one dimension under
    its name (the label the coach gave it in this version, else the catalog's); the overall
    and likelihood questions under "Overall"; comments under "In your own words"."""
    groups: list[tuple[str | None, bool, list[PageField]]] = []
    for item in fields:
        comment = item.dimension is None and item.kind == "comment"
        if groups and groups[-1][0] == item.dimension and groups[-1][1] == comment:
            groups[-1][2].append(item)
        else:
            groups.append((item.dimension, comment, [item]))
    sections = []
    for number, (dimension, comment, items) in enumerate(groups, start=1):
        if dimension is not None:
            heading = dimension_label(dimension, version)
        else:
            heading = "In your own words" if comment else "Overall"
        sections.append(PageSection(number, heading, tuple(items)))
    return sections


@dataclass
class LinkResult:
    """The outcome of a link use case; the view turns `status` into a page.

    status: "open" (show the survey; `page` is its context), "invalid" (unknown token or a
    survey not open yet: the neutral page), "used" (already answered), "closed" (`closed_on`
    says when, in the partnership's time zone), "throttled" (`wait_seconds`), "invalid_answers"
    (the page again with `page` holding the kept answers and the messages), "submitted",
    "opt_out" (confirm opting out; `page` has the partnership name and whether it is already
    done), "opted_out". `after_close`: the survey has closed, so the link also leads to the
    results playback (`/s/<token>/playback`).
    """

    status: str
    page: dict[str, Any] | None = None
    closed_on: str = ""
    wait_seconds: int = 0
    after_close: bool = False


@dataclass
class SubmitResult(LinkResult):
    """The outcome of `submit`; the statuses of LinkResult, and "confirm_empty" (nothing was
    answered: the page again, asking whether to send it empty). `closes_at`: after a
    submission, the survey's planned closing time (UTC), or None."""

    closes_at: dt.datetime | None = None


@dataclass
class _Validated:
    answers: dict[int, int | None] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)


# --- lookups ------------------------------------------------------------------------------


_LOOKUP = (
    select(
        _inv.c.id,
        _inv.c.stakeholder_id,
        _inv.c.survey_id,
        _inv.c.organization_id,
        _inv.c.function,
        _inv.c.level,
        _inv.c.is_used,
        _sur.c.state,
        _sur.c.closes_at,
        _sur.c.closed_at,
        _sur.c.instrument_version_id,
        _par.c.id,
        _par.c.name,
        _par.c.timezone,
        _par.c.min_group,
        _ins.c.name,
        _ins.c.description,
        _ins.c.minutes,
        _org.c.id,
        _org.c.name,
        _ver.c.is_locked,
        _ver.c.created_at,
        # The client's throttle state comes with the lookup: one round trip, not two.
        select(_thr.c.blocked_until)
        .where(_thr.c.key == bindparam("throttle_key"))
        .scalar_subquery(),
        _ver.c.dimension_labels,
    )
    .select_from(_tok)
    .join(_inv, _inv.c.id == _tok.c.invitation_id)
    .join(_sur, _sur.c.id == _inv.c.survey_id)
    .join(_ver, _ver.c.id == _sur.c.instrument_version_id)
    .join(_par, _par.c.id == _sur.c.partnership_id)
    .join(_ins, _ins.c.id == _sur.c.instrument_id)
    .join(_org, _org.c.partnership_id == _par.c.id)
    .where(_tok.c.token_hash == bindparam("token_hash"))
    .order_by(_org.c.position)
)

#: The lookup of a submission: the token's invitation, its survey and version (three primary
#: key reads after the token's), nothing else.
_SUBMISSION = (
    select(
        _inv.c.id,
        _inv.c.survey_id,
        _inv.c.organization_id,
        _inv.c.function,
        _inv.c.level,
        _inv.c.is_used,
        _sur.c.state,
        _sur.c.closes_at,
        _sur.c.instrument_version_id,
        _ver.c.is_locked,
        _ver.c.created_at,
    )
    .select_from(_tok)
    .join(_inv, _inv.c.id == _tok.c.invitation_id)
    .join(_sur, _sur.c.id == _inv.c.survey_id)
    .join(_ver, _ver.c.id == _sur.c.instrument_version_id)
    .where(_tok.c.token_hash == bindparam("token_hash"))
)

_ITEMS = (
    select(
        _itm.c.id,
        _itm.c.position,
        _itm.c.kind,
        _itm.c.text,
        _itm.c.help,
        _itm.c.allow_na,
        _itm.c.is_required,
        _itm.c.dimension,
    )
    .where(_itm.c.version_id == bindparam("version_id"))
    .order_by(_itm.c.position, _itm.c.id)
)

#: The guard of a submission: only one POST of any of the invitation's links changes this row,
#: and only while the survey is open (a close committed in between makes it change nothing).
#: It sets the used flag and nothing else: no day, no time, nothing that orders the uses.
_MARK_USED = (
    update(_inv)
    .where(
        _inv.c.id == bindparam("invitation_id"),
        _inv.c.is_used.is_(False),
        exists()
        .where(
            _sur.c.id == _inv.c.survey_id,
            _sur.c.state == "open",
            or_(_sur.c.closes_at.is_(None), _sur.c.closes_at > bindparam("now")),
        )
        .correlate(_inv),
    )
    .values(is_used=True)
)
_INSERT_RESPONSE = insert(_table(Response))


def _store_answers(conn: Connection, response_id: str, answers: Mapping[int, int | None]) -> None:
    """Insert a response's answers, the cheapest way for the database at hand (measured with
    benchmarks/submit.py). PostgreSQL: one INSERT of every row (binds :r, :i0, :v0, :i1, ...),
    one round trip for the whole sheet, where an executemany sends a statement per answer
    (psycopg pipelines them, but each is still sent, executed and acknowledged). SQLite, which
    has no round trips: the driver's executemany of a one-row INSERT, prepared once and
    stepped per answer; a 21-row VALUES list costs SQLite some 40 % more CPU than that."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "INSERT INTO answers (response_id, item_id, value) VALUES (?, ?, ?)",
            [(response_id, item_id, value) for item_id, value in answers.items()],
        )
        return
    count = len(answers)
    statement = _ANSWER_INSERTS.get(count)
    if statement is None:
        rows = ", ".join(f"(:r, :i{n}, :v{n})" for n in range(count))
        statement = text(f"INSERT INTO answers (response_id, item_id, value) VALUES {rows}")
        _ANSWER_INSERTS[count] = statement
    params: dict[str, Any] = {"r": response_id}
    for n, (item_id, value) in enumerate(answers.items()):
        params[f"i{n}"] = item_id
        params[f"v{n}"] = value
    conn.execute(statement, params)


_ANSWER_INSERTS: dict[int, TextClause] = {}
_INSERT_COMMENTS = insert(_table(Comment))


def find_invitation(token: str) -> Link | None:
    """The invitation a token belongs to (with its survey and partnership), or None. Reads
    only: it never consumes the token and counts no failure."""
    return _lookup(token, None)[0]


def _lookup(token: str, ip: str | None) -> tuple[Link | None, dt.datetime | None]:
    """(the link or None, until when the client is blocked or None)."""
    if not token or len(token) > 200:
        return None, None
    rows = (
        db.session.connection()
        .execute(_LOOKUP, {"token_hash": hash_token(token), "throttle_key": _client_key(ip)[0]})
        .all()
    )
    if not rows:
        return None, None
    first = rows[0]
    link = Link(
        invitation_id=first[0],
        stakeholder_id=first[1],
        survey_id=first[2],
        organization_id=first[3],
        function=first[4],
        level=first[5],
        is_used=bool(first[6]),
        state=first[7],
        closes_at=first[8],
        closed_at=first[9],
        version_id=first[10],
        instrument=PageInstrument(first[15], first[16] or "", first[17] or 5),
        partnership=PagePartnership(
            id=first[11],
            name=first[12],
            timezone=first[13] or "UTC",
            min_group=first[14],
            organizations=tuple(PageOrganization(r[18], r[19]) for r in rows),
        ),
        version_key=(first[10], first[21]) if first[20] else None,
        dimension_labels=first[23] or {},
    )
    return link, first[22]


def _submission(token: str) -> _Submission | None:
    """The part of a link a submission needs (`_SUBMISSION`), or None for an unknown token."""
    if not token or len(token) > 200:
        return None
    row = db.session.connection().execute(_SUBMISSION, {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    return _Submission(
        invitation_id=row[0],
        survey_id=row[1],
        organization_id=row[2],
        function=row[3],
        level=row[4],
        is_used=bool(row[5]),
        state=row[6],
        closes_at=row[7],
        version_id=row[8],
        version_key=(row[8], row[10]) if row[9] else None,
    )


def _load_version(link: Link) -> PageVersion:
    """The version's items with its instrument, as the page shows them."""
    return PageVersion(
        link.version_id,
        link.instrument,
        _items(link.version_id, link.version_key).items,
        link.dimension_labels,
    )


def _items(version_id: int, version_key: tuple[int, Any] | None) -> _Items:
    """The version's items. A locked version never changes (editing one that was used creates
    a new version), so its items are kept per process, keyed by id and creation time."""

    def read() -> _Items:
        rows = db.session.connection().execute(_ITEMS, {"version_id": version_id})
        return _Items(
            tuple(
                PageItem(r[0], r[1], r[2], r[3], r[4] or "", bool(r[5]), bool(r[6]), r[7])
                for r in rows
            )
        )

    return read() if version_key is None else kept("survey-items", version_key, read)


def _client_key(ip: str | None) -> list[str]:
    return [f"token-ip:{ip or 'unknown'}"]


def _wait(ip: str | None) -> int:
    return throttle.wait_seconds(_client_key(ip))


@db.writes
def _count_unknown_token(ip: str | None) -> None:
    """Record a failed lookup and commit, in a writing transaction of its own (the lookup's
    read transaction ends first), on a page view as on a submission."""
    config = current_app.config
    throttle.record_failure(
        _client_key(ip),
        free_attempts=int(config.get("SURVEY_TOKEN_FREE_ATTEMPTS", TOKEN_FREE_ATTEMPTS)),
        max_delay=int(config.get("SURVEY_TOKEN_MAX_DELAY_SECONDS", TOKEN_MAX_DELAY)),
    )


def _resolve(token: str, ip: str | None) -> tuple[LinkResult | None, Link | None]:
    """The throttle check and the lookup shared by every link use case. Returns a finished
    result for a blocked client or an unknown token, else the link. A blocked client is
    refused whatever the token, so it learns nothing about its guesses."""
    link, blocked_until = _lookup(token, ip)
    if link is None:
        wait = _wait(ip)
        if wait:
            db.session.rollback()
            return LinkResult("throttled", wait_seconds=wait), None
        _count_unknown_token(ip)
        return LinkResult("invalid"), None
    now = utcnow()
    if blocked_until is not None and blocked_until > now:
        db.session.rollback()
        wait = max(1, int((blocked_until - now).total_seconds()) + 1)
        return LinkResult("throttled", wait_seconds=wait), None
    return None, link


def resolve_link(token: str, ip: str | None) -> tuple[LinkResult | None, Link | None]:
    """A personal link's invitation, survey and partnership, or the refusal (an unknown token,
    counted against the client; a blocked client), for pages other than the survey that a
    link leads to (the results playback). Reads only, apart from counting unknown tokens."""
    return _resolve(token, ip)


def _gate(link: Link, now: dt.datetime) -> LinkResult | None:
    """Refuse a link whose survey is not open yet, that was used, or whose survey closed."""
    if link.state not in ("open", "closed"):
        return LinkResult("invalid")
    after_close = link.state == "closed"
    if link.is_used:
        return LinkResult("used", after_close=after_close)
    closed = link.closed_since(now)
    if closed is not None:
        return LinkResult(
            "closed",
            closed_on=format_in_zone(closed, link.partnership.timezone),
            after_close=after_close,
        )
    return None


def format_in_zone(when: dt.datetime, zone: str) -> str:
    """A moment as stakeholders read it (the one format of emails and pages)."""
    return long_when(when, zone)


# --- the page -----------------------------------------------------------------------------


def kept_answers(version: Any, form: Mapping[str, str]) -> dict[int, str]:
    """The raw values a stakeholder sent, keyed by item id, to show the page again as it was."""
    kept: dict[int, str] = {}
    for item in version.items:
        value = form.get(f"item-{item.id}")
        if value:
            kept[item.id] = value
    return kept


def survey_page_context(
    version: Any,
    organization: Any,
    partnership: Any,
    *,
    answers: Mapping[int, str] | None = None,
    errors: Mapping[int, str] | None = None,
    preview: bool = False,
    closes_at: dt.datetime | None = None,
    notice: str | None = None,
    fields_key: Any = None,
    confirm_empty: bool = False,
) -> dict[str, Any]:
    """Everything templates/take/survey.html needs, as plain data: render it with
    `render_template("take/survey.html", **context)` (add `action=<url>` to post the answers;
    a preview has no action and a disabled submit button).

    version: an InstrumentVersion (or PageVersion): `.items` in position order and
    `.instrument` (name, description, minutes). organization: the respondent's organization;
    item text names the *other* organization of `partnership` (`.name`, `.timezone`,
    `.min_group`, `.organizations`). answers: raw values by item id ("1".."5", "0".."10",
    "na", or comment text) to show as chosen; errors: messages by item id; notice: a message
    for the whole form; closes_at: the survey's close time (UTC), shown in the partnership's
    time zone. fields_key: a key that identifies the version (locked), the respondent's
    organization and the partnership's organizations; the questions of a page without answers
    or messages are then built once per process and reused. confirm_empty: nothing was
    answered; the page asks whether to send it so.
    """
    answers = answers or {}
    errors = errors or {}
    partner = other_organization(partnership.organizations, getattr(organization, "id", None))
    partner_name = partner.name if partner is not None else "our partner"
    instrument = version.instrument
    error_list: list[dict[str, str]] = []
    if fields_key is not None and not answers and not errors:
        items = kept(
            "survey-fields",
            fields_key,
            lambda: _page_fields(version, partner_name, {}, {}, []),
        )
    else:
        items = _page_fields(version, partner_name, answers, errors, error_list)
    closes_text = format_in_zone(closes_at, partnership.timezone) if closes_at else ""
    return {
        "preview": preview,
        "partnership_name": partnership.name,
        "instrument_name": instrument.name,
        "intro": render_text(instrument.description or "", partner_name),
        "minutes": instrument.minutes or 5,
        "closes_text": closes_text,
        "min_group": partnership.min_group,
        "partner_name": partner_name,
        "organization_name": getattr(organization, "name", ""),
        "items": items,
        "sections": page_sections(items, version),
        "questions": len(items),
        "confirm_empty": confirm_empty,
        "any_required": any(i.required for i in items),
        "scales": SCALE_OPTIONS_HTML,
        "na_label": str(escape(NA_LABEL)),
        "likelihood_ends": LIKELIHOOD_ENDS,
        "comment_max": COMMENT_MAX,
        "error_list": error_list,
        "notice": notice,
    }


def _page_fields(
    version: Any,
    partner_name: str,
    answers: Mapping[int, str],
    errors: Mapping[int, str],
    error_list: list[dict[str, str]],
) -> list[PageField]:
    """The questions of a page, numbered, with the answers to show and the messages (each
    message also goes into `error_list`)."""
    items: list[PageField] = []
    ordered = sorted(version.items, key=lambda i: (i.position, i.id))
    for number, item in enumerate(ordered, start=1):
        name = f"item-{item.id}"
        kind = item.kind
        first_id = name if kind == "comment" else f"{name}-{SCALE_OPTIONS[kind][0][0]}"
        text = render_text(item.text, partner_name)
        error = errors.get(item.id)
        described = []
        if error:
            described.append(f"{name}-error")
        if item.help:
            described.append(f"{name}-hint")
        if kind == "likelihood":
            described.append(f"{name}-ends")
        items.append(
            PageField(
                id=item.id,
                number=number,
                name=name,
                kind=kind,
                text=text,
                help=render_text(item.help or "", partner_name),
                required=item.is_required,
                allow_na=item.allow_na and kind != "comment",
                value=answers.get(item.id, ""),
                error=error or "",
                first_id=first_id,
                describedby=" ".join(described),
                radio_tail=_RADIO_TAILS[(item.is_required, bool(error))],
                dimension=item.dimension,
            )
        )
        if error:
            error_list.append({"href": "#" + first_id, "text": f"{number}. {text}", "error": error})
    return items


# --- validation ---------------------------------------------------------------------------


def validate_answers(
    version: Any, form: Mapping[str, str]
) -> tuple[dict[int, int | None], dict[int, str], dict[int, str]]:
    """Check posted answers against the version's items (form fields `item-<id>`).

    Returns (answers, comments, errors): answers maps item id to the option value, None for
    "not applicable" (unanswered items are left out); comments maps item id to the stripped,
    non-empty text; errors maps item id to a message. Values outside the item's scale, "na"
    where it is not offered, a missing answer to a required item and a comment longer than
    COMMENT_MAX characters are errors, and so is a field sent twice. Fields that are not
    answers to this version's items are found by `unexpected_fields`.
    """
    out = _Validated()
    getlist = getattr(form, "getlist", None)
    for item in version.items:
        name = f"item-{item.id}"
        values = getlist(name) if getlist is not None else [form.get(name, "")]
        if len(values) > 1:  # a page never sends a field twice
            out.errors[item.id] = "Choose only one answer."
            continue
        values = [v for v in values if v != ""]
        raw = values[0] if values else ""
        if item.kind == "comment":
            text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
            if len(text) > COMMENT_MAX:
                out.errors[item.id] = (
                    f"Your answer is {len(text):,} characters long; please shorten it to "
                    f"{COMMENT_MAX:,} characters or fewer."
                )
            elif text:
                out.comments[item.id] = text
            elif item.is_required:
                out.errors[item.id] = "Please write an answer to this question."
            continue
        valid = _VALID.get(item.kind)
        if valid is None:  # an unknown kind is never answerable; ignore what was sent
            continue
        if raw == "":
            if item.is_required:
                out.errors[item.id] = "Please choose an answer to this question."
        elif raw == "na":
            if item.allow_na:
                out.answers[item.id] = None
            else:
                out.errors[item.id] = f"“{NA_LABEL}” is not offered for this question."
        elif raw in valid:
            out.answers[item.id] = int(raw)
        else:
            out.errors[item.id] = "Choose one of the answers offered."
    return out.answers, out.comments, out.errors


#: What the survey form posts besides the answers.
FORM_FIELDS = frozenset({"csrf_token", "confirm_empty"})
#: The notice of a submission with fields the survey does not ask (nothing is stored).
UNEXPECTED = (
    "Your answers arrived with fields this survey does not ask, so nothing was stored. "
    "Please check your answers and send them again."
)


def unexpected_fields(version: Any, form: Mapping[str, str]) -> list[str]:
    """Names in a posted form that are neither an answer to one of the version's items nor
    the form's own fields, and form fields sent more than once."""
    known = {f"item-{item.id}" for item in version.items}
    getlist = getattr(form, "getlist", None)
    odd = []
    for name in form:
        if name in FORM_FIELDS:
            if getlist is not None and len(getlist(name)) > 1:
                odd.append(name)
        elif name not in known:
            odd.append(name)
    return odd


# --- use cases ----------------------------------------------------------------------------


def open_link(
    token: str,
    *,
    ip: str | None,
    kept: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> LinkResult:
    """What GET /s/<token> shows: the survey page (status "open"), or why not. Never consumes
    the token or writes answers; an unknown token counts against the client's IP (and commits
    that count). `kept` (a posted form) and `notice` show the page again with the answers as
    they were, e.g. after the form could not be verified."""
    with db.reading():
        return _open_link(token, ip, kept, notice)


def _open_link(
    token: str, ip: str | None, kept: Mapping[str, str] | None, notice: str | None
) -> LinkResult:
    done, link = _resolve(token, ip)
    if done is not None:
        return done
    assert link is not None
    refused = _gate(link, utcnow())
    if refused is not None:
        db.session.rollback()
        return refused
    version = _load_version(link)
    db.session.rollback()
    reusable = kept is None and link.version_key is not None
    page = survey_page_context(
        version,
        link.organization,
        link.partnership,
        answers=kept_answers(version, kept) if kept is not None else None,
        closes_at=link.closes_at,
        notice=notice,
        fields_key=(
            (link.version_key, link.organization_id, link.partnership.organizations)
            if reusable
            else None
        ),
    )
    if kept is None and link.version_key is not None:
        # The questions of a locked version, unanswered and without messages, read the same
        # for everyone in this organization: the view may render them once and reuse them.
        page["fragment_key"] = (link.version_key, link.organization_id, page["partner_name"])
    return LinkResult("open", page=page)


def submit(
    token: str, form: Mapping[str, str], *, ip: str | None = None, csrf_checked: bool = False
) -> SubmitResult:
    """Store a stakeholder's answers, once. Commits at most once: one transaction from the
    lookup to the last answer (on SQLite it begins IMMEDIATE).

    Bad answers, and fields the survey does not ask or fields sent twice, store nothing and
    give the page again with the answers kept and the messages ("invalid_answers").
    Otherwise the invitation is marked used with a conditional UPDATE (`... WHERE id = :id
    AND is_used = false AND <its survey is still open>`) and, only if that changed one row,
    the response (segment copied from the invitation, today's UTC date, a random id) and its
    answers and comments are inserted. A concurrent submission of the same token changes no
    row and gets "used"; a survey that closed meanwhile gets "closed"; nothing is stored for
    either.

    The lookup reads only what storing needs (the invitation, its survey, its version's key),
    not the partnership, organizations and instrument the page shows; those are read only to
    show a page again or to explain a refusal. `csrf_checked`: the form carried the link's
    CSRF token, an HMAC of the token under the app's secret that only the page of a valid link
    gives out, so the client already knows the link is valid and the throttle on guessing
    links has nothing left to protect: it is not read. Otherwise it is read first, and a
    blocked client is refused whatever the token.

    One transaction rather than a read followed by a writing one: the read's BEGIN and
    ROLLBACK cost more than the lookup and validation they would keep out of the write lock
    (benchmarks/submit.py; the conditional UPDATE re-checks everything that matters anyway).
    """
    with db.writing():
        return _submit(token, form, ip, csrf_checked)


def _submit(
    token: str, form: Mapping[str, str], ip: str | None, csrf_checked: bool
) -> SubmitResult:
    now = utcnow()
    found = _submission(token) if csrf_checked or not _wait(ip) else None
    target: Link | _Submission
    if found is not None and found.may_submit(now):
        target = found
    else:
        # An unknown, used or closed link, a survey not open yet, or a client the throttle
        # blocks: the page's own path, which counts unknown tokens and explains a refusal in
        # the partnership's terms.
        done, link = _resolve(token, ip)
        if done is not None:
            return SubmitResult(done.status, wait_seconds=done.wait_seconds)
        assert link is not None
        refused = _gate(link, now)
        if refused is not None:
            return SubmitResult(refused.status, closed_on=refused.closed_on)
        target = link
    items = _items(target.version_id, target.version_key)
    answers, comments, errors = validate_answers(items, form)
    unexpected = unexpected_fields(items, form)
    if errors or unexpected:
        link, _ = _lookup(token, ip)
        assert link is not None
        page = survey_page_context(
            _load_version(link),
            link.organization,
            link.partnership,
            answers=kept_answers(items, form),
            errors=errors,
            closes_at=link.closes_at,
            notice=UNEXPECTED if unexpected else None,
        )
        return SubmitResult("invalid_answers", page=page)
    if not answers and not comments and form.get("confirm_empty") != "1":
        # An empty response counts as taking part: ask first (a form of its own, so it works
        # without JavaScript); nothing is stored until it comes back confirmed.
        link, _ = _lookup(token, ip)
        assert link is not None
        page = survey_page_context(
            _load_version(link),
            link.organization,
            link.partnership,
            closes_at=link.closes_at,
            confirm_empty=True,
        )
        return SubmitResult("confirm_empty", page=page)
    result = _store(token, ip, target, now, answers, comments)
    if result.status == "submitted":
        result.closes_at = target.closes_at
    return result


@db.writes
def _store(
    token: str,
    ip: str | None,
    link: Link | _Submission,
    now: dt.datetime,
    answers: Mapping[int, int | None],
    comments: Mapping[int, str],
) -> SubmitResult:
    """Mark the invitation used and store the response, its answers and comments, in one
    writing transaction; "used" or "closed" (nothing stored) when the conditional UPDATE
    finds the link answered or the survey closed meanwhile."""
    today = now.date()
    conn = db.session.connection()
    marked = conn.execute(_MARK_USED, {"invitation_id": link.invitation_id, "now": now})
    if marked.rowcount != 1:
        # Answered meanwhile (a concurrent POST of the same link won) or closed meanwhile.
        again, _ = _lookup(token, ip)
        db.session.rollback()
        refused = _gate(again, now) if again is not None else None
        if refused is None or refused.status == "invalid":
            return SubmitResult("used")
        return SubmitResult(refused.status, closed_on=refused.closed_on)
    response_id = new_uuid()
    conn.execute(
        _INSERT_RESPONSE,
        {
            "id": response_id,
            "survey_id": link.survey_id,
            "organization_id": link.organization_id,
            "function": link.function,
            "level": link.level,
            "submitted_on": today,
        },
    )
    if answers:
        _store_answers(conn, response_id, answers)
    if comments:
        conn.execute(
            _INSERT_COMMENTS,
            [
                {
                    "id": new_uuid(),
                    "response_id": response_id,
                    "item_id": item_id,
                    "body": body,
                    "is_hidden": False,
                }
                for item_id, body in comments.items()
            ],
        )
    return SubmitResult("submitted")


def opt_out_page(token: str, *, ip: str | None) -> LinkResult:
    """What GET /s/<token>/opt-out shows: a confirmation step ("opt_out"), changing nothing."""
    with db.reading():
        return _opt_out_page(token, ip)


def _opt_out_page(token: str, ip: str | None) -> LinkResult:
    done, link = _resolve(token, ip)
    if done is not None:
        return done
    assert link is not None
    already = db.session.scalar(
        select(Stakeholder.__table__.c.is_reminder_opt_out).where(
            Stakeholder.__table__.c.id == link.stakeholder_id
        )
    )
    db.session.rollback()
    return LinkResult(
        "opt_out",
        page={"partnership_name": link.partnership.name, "already": bool(already)},
    )


@db.writes
def opt_out(token: str, *, ip: str | None) -> LinkResult:
    """Stop reminders to the stakeholder the link was sent to (invitations still come).
    Works for used links and closed surveys too. Commits."""
    done, link = _resolve(token, ip)
    if done is not None:
        return done
    assert link is not None
    sh = _table(Stakeholder)
    db.session.execute(
        update(sh).where(sh.c.id == link.stakeholder_id).values(is_reminder_opt_out=True)
    )
    db.session.commit()
    log.info("stakeholder %s opted out of reminders", link.stakeholder_id)
    return LinkResult("opted_out", page={"partnership_name": link.partnership.name})
