"""Results: scoring a survey, versioned snapshots, the results export, API tokens, the access log.

A closed survey's numbers come from its newest snapshot (scoring.md section 7): version 1 is
frozen when the survey closes (``close_survey``: one transaction marks it closed and freezes
the snapshot); every explicit re-score writes the next version with the thresholds and privacy
threshold of that moment. An open survey is scored live, participation only.

An export reads in a read transaction, then writes its access-log row in a writing
transaction of its own (``db.writing``, IMMEDIATE on SQLite), whatever the HTTP method.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from partnership.accounts.models import User
from partnership.db import utcnow
from partnership.errors import Conflict, NotFound, Refused
from partnership.extensions import db
from partnership.instruments.catalog import render_text
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.kpis.services import kpi_statuses
from partnership.partnerships.access import Act, may
from partnership.partnerships.models import Partnership
from partnership.results.aggregate import survey_input
from partnership.results.models import AccessLog, ApiToken, Snapshot
from partnership.scoring import (
    HistoryPoint,
    KpiStatus,
    Settings,
    SurveyResult,
    hidden_cells,
    score_survey,
)
from partnership.surveys.models import CYCLE_ORDER, Comment, Cycle, Response, Survey
from partnership.surveys.services import mark_closed, participation
from partnership.tokens import hash_token, new_token

log = logging.getLogger(__name__)

TOKEN_PREFIX_LENGTH = 6
ACCESS_LOG_LIMIT = 500
#: Labels of access-log actions on the access-log page (unknown actions show as stored).
ACTION_LABELS = {
    "export.json": "Results export (JSON)",
    "export.csv": "Results download (CSV)",
    "export.xlsx": "Results download (XLSX)",
    "comment.hide": "Comment hidden",
    "brief.download": "Brief downloaded",
}
#: The built-in quarterly pulse's key: its lineage (and its clones) come first on the pages.
PULSE_KEY = "quarterly-pulse"
#: Order of preference when a cycle holds more than one survey of a lineage.
_STATE_RANK = {"closed": 3, "open": 2, "scheduled": 1, "draft": 0}


class ResultsError(Refused):
    """A use case refused, with a message fit for the user."""


# --- settings and identity -----------------------------------------------------------------


def settings_for(partnership: Partnership) -> Settings:
    """The partnership's scoring settings: its privacy threshold and its overrides of the
    early-warning thresholds (unknown keys in ``partnership.thresholds`` are ignored)."""
    overrides: dict[str, Any] = {}
    for f in dataclasses.fields(Settings):
        if f.name == "min_group" or f.name not in (partnership.thresholds or {}):
            continue
        raw = partnership.thresholds[f.name]
        # by the declared type: a float threshold may have an int default (level_amber = 60)
        overrides[f.name] = int(raw) if f.type in ("int", int) else float(raw)
    return Settings(min_group=partnership.min_group, **overrides)


def lineage_key(survey: Survey) -> str:
    """The survey's instrument lineage as a stable key: the built-in key
    (``"quarterly-pulse"``) or ``"instrument-<id>"`` for a partnership's own instrument."""
    instrument = db.session.get(Instrument, survey.instrument_id)
    assert instrument is not None
    return instrument.builtin_key or f"instrument-{instrument.id}"


def _comment_key(survey: Survey, version: int) -> bytes:
    """The key that orders comments: fixed for one snapshot, unguessable without the secret."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"comments:{survey.id}:{version}".encode(), hashlib.sha256).digest()


# --- scoring and snapshots -----------------------------------------------------------------


def _previous_closed(survey: Survey, before: dt.datetime) -> list[Survey]:
    """The two surveys of the same partnership and lineage closed before ``before``, most
    recent first (t-1, t-2)."""
    stmt = select(Survey).where(
        Survey.partnership_id == survey.partnership_id,
        Survey.instrument_id == survey.instrument_id,
        Survey.state == "closed",
        Survey.closed_at.is_not(None),
        Survey.id != survey.id,
    )
    if survey.state == "closed" and survey.closed_at is not None:
        stmt = stmt.where(
            or_(
                Survey.closed_at < survey.closed_at,
                and_(Survey.closed_at == survey.closed_at, Survey.id < survey.id),
            )
        )
    else:
        stmt = stmt.where(Survey.closed_at < before)
    return list(
        db.session.scalars(stmt.order_by(Survey.closed_at.desc(), Survey.id.desc()).limit(2))
    )


def _history(survey: Survey, before: dt.datetime) -> tuple[HistoryPoint, ...]:
    points = []
    for prior in _previous_closed(survey, before):
        snap = current_snapshot(prior)
        # A closed survey without a snapshot contributes no values: its conditions are not met.
        points.append(HistoryPoint.from_dict(snap.data) if snap is not None else HistoryPoint())
    return tuple(points)


def _kpis(survey: Survey) -> tuple[KpiStatus, ...]:
    """The KPIs of the survey's cycle for the KPI rule: the partnership's active KPIs with
    their values in this cycle and in the partnership's previous cycle, read as they stand
    now (at the close, or at a re-score, which so picks up values recorded later)."""
    return kpi_statuses(survey.cycle)


def compute_result(
    survey: Survey,
    *,
    now: dt.datetime | None = None,
    version: int = 0,
    previous: Snapshot | None = None,
) -> SurveyResult:
    """Score the survey from its answers as they stand (nothing is stored).

    Scores appear only for a closed survey; otherwise only participation. The history is the
    two previous closed surveys of the same lineage, closed before this one (before ``now``,
    default the current time, should it lack a close time), read from their current
    snapshots. ``version`` is the snapshot version the result is for: it keys the order of
    the comments. ``previous``: the survey's snapshot this result will follow; the breakdown
    cells it hid stay hidden (scoring.md section 5, across snapshot versions of one cycle).
    """
    partnership = db.session.get(Partnership, survey.partnership_id)
    assert partnership is not None
    is_open = survey.state != "closed"
    return score_survey(
        survey_input(survey),
        settings_for(partnership),
        history=() if is_open else _history(survey, now or utcnow()),
        kpis=() if is_open else _kpis(survey),
        is_open=is_open,
        comment_key=_comment_key(survey, version),
        carried=hidden_cells(previous.data) if previous is not None else frozenset(),
    )


def current_snapshot(survey: Survey, *, data: bool = True) -> Snapshot | None:
    """The survey's newest snapshot, or None when it has none (not closed yet). data=False
    leaves its (large) `data` to be loaded when first read, for a page that may already keep
    what it draws from it."""
    query = select(Snapshot).where(Snapshot.survey_id == survey.id)
    if not data:
        query = query.options(defer(Snapshot.data))
    return db.session.scalar(query.order_by(Snapshot.version.desc()).limit(1))


def freeze_snapshot(survey: Survey, *, reason: str = "close", user: User | None = None) -> Snapshot:
    """Score the survey and store the result as its next snapshot version (flush only: the
    caller's transaction commits it, e.g. together with the close)."""
    previous = current_snapshot(survey)
    version = (previous.version if previous is not None else 0) + 1
    result = compute_result(survey, version=version, previous=previous)
    snapshot = Snapshot(
        survey_id=survey.id,
        version=version,
        data=result.to_dict(),
        reason=reason,
        created_by_id=user.id if user is not None else None,
    )
    db.session.add(snapshot)
    db.session.flush()
    log.info("survey %s: snapshot version %s frozen (%s)", survey.id, version, reason)
    return snapshot


#: What runs with every new snapshot, inside the close or re-score transaction:
#: ``hook(survey, snapshot, user, now)`` (``user`` None at a close, the re-scoring user or
#: None from the command line). A domain above results registers here, so that every caller
#: of the two use cases gets its work done in the same transaction: governance raises its
#: issues (partnership.governance.issues, registered by the app factory).
SnapshotHook = Callable[[Survey, Snapshot, "User | None", "dt.datetime | None"], None]
_SNAPSHOT_HOOKS: list[SnapshotHook] = []


def on_snapshot(hook: SnapshotHook) -> SnapshotHook:
    """Register a snapshot hook (idempotent); usable as a decorator."""
    if hook not in _SNAPSHOT_HOOKS:
        _SNAPSHOT_HOOKS.append(hook)
    return hook


def _after_snapshot(
    survey: Survey, snapshot: Snapshot, user: User | None, now: dt.datetime | None
) -> None:
    for hook in _SNAPSHOT_HOOKS:
        hook(survey, snapshot, user, now)


@dataclass(frozen=True)
class CloseConsequences:
    """What closing an open survey now would mean, for the coach's confirmation page."""

    responded: int
    invited: int
    #: How long before its planned closing it would close; None without one or once passed.
    early_by: dt.timedelta | None
    #: Active KPIs without a value for the survey's cycle: the snapshot freezes them missing.
    kpis_missing: tuple[str, ...]


def close_consequences(survey: Survey, *, now: dt.datetime | None = None) -> CloseConsequences:
    """Who answered, how early, and which KPI values the frozen results would lack if the
    survey closed now. Reads only."""
    now = now or utcnow()
    numbers = participation(survey)
    early = survey.closes_at - now if survey.closes_at and survey.closes_at > now else None
    missing = tuple(k.name for k in kpi_statuses(survey.cycle) if k.value is None)
    return CloseConsequences(numbers["responded"], numbers["invited"], early, missing)


@db.writes
def close_survey(survey: Survey, *, now: dt.datetime | None = None) -> Snapshot:
    """Close an open survey, freeze its snapshot (version 1) and run the snapshot hooks (the
    governance issues of its red signals and escalations), in one transaction: all happen or
    none does, and a closed survey is never reopened. The one way to close: the
    coach's button, `flask surveys close`, the demo and the scheduler all call it. Commits."""
    try:
        mark_closed(survey, now=now)
        snapshot = freeze_snapshot(survey)
        _after_snapshot(survey, snapshot, None, now)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    log.info("survey %s closed", survey.id)
    return snapshot


@db.writes
def rescore(survey: Survey, user: User | None) -> Snapshot:
    """Re-score a closed survey with the current thresholds and privacy threshold: writes the
    next snapshot version, which exports and pages read from then on, and runs the snapshot
    hooks (the survey's governance issues are updated in place, never duplicated). Commits."""
    if survey.state != "closed":
        raise ResultsError("Only a closed survey can be re-scored; an open one is scored at close.")
    try:
        snapshot = freeze_snapshot(survey, reason="rescore", user=user)
        _after_snapshot(survey, snapshot, user, None)
        db.session.commit()
    except IntegrityError:
        # Another re-score took the same version number a moment earlier.
        db.session.rollback()
        raise Conflict("The survey was re-scored at the same moment; try again.")
    return snapshot


def _hidden_comments(column: Any, of_surveys: ColumnElement[bool]) -> Select[Any]:
    """``column`` of the comments a coach hid (kept, but shown nowhere) in the surveys
    ``of_surveys`` picks (a condition on ``Response.survey_id``). Reads the hidden comments of
    all surveys through their partial index, each checked against its response: the few hidden
    rows, never every response or comment of the surveys."""
    return select(column).where(
        Comment.is_hidden.is_(True),
        exists().where(Response.id == Comment.response_id, of_surveys),
    )


def hidden_comment_ids(survey: Survey) -> set[str]:
    """Ids of the survey's comments a coach hid."""
    return set(db.session.scalars(_hidden_comments(Comment.id, Response.survey_id == survey.id)))


def hidden_comment_texts(cycle_id: int) -> set[str]:
    """Texts of the comments a coach hid in the cycle's surveys."""
    in_cycle = Response.survey_id.in_(select(Survey.id).where(Survey.cycle_id == cycle_id))
    return set(db.session.scalars(_hidden_comments(Comment.body, in_cycle)))


def _without_hidden_comments(data: dict[str, Any], hidden: set[str]) -> dict[str, Any]:
    """A comment a coach hid after the close leaves every export, although the snapshot
    (whose numbers it never touched) keeps it."""
    if not hidden:
        return data
    data = copy.deepcopy(data)
    for org in (data.get("organizations") or {}).values():
        if isinstance(org.get("comments"), list):
            org["comments"] = [c for c in org["comments"] if c.get("id") not in hidden]
    return data


def _result_and_snapshot(survey: Survey) -> tuple[dict[str, Any], Snapshot | None]:
    if survey.state == "closed":
        snap = current_snapshot(survey)
        if snap is not None:
            return _without_hidden_comments(snap.data, hidden_comment_ids(survey)), snap
        # Closed before snapshots existed (or the freeze was skipped): score it live, which
        # is what the close would have frozen.
    return compute_result(survey).to_dict(), None


def survey_result_dict(survey: Survey) -> dict[str, Any]:
    """The survey's result in the export shape (``SurveyResult.to_dict``): the current
    snapshot for a closed survey; a live, participation-only result while it is not closed."""
    return _result_and_snapshot(survey)[0]


# --- what the results pages list ---------------------------------------------------------


def _is_pulse(instrument: Instrument) -> bool:
    """The built-in quarterly pulse, or a lineage cloned from it."""
    if instrument.builtin_key == PULSE_KEY:
        return True
    if instrument.cloned_from_version_id is None:
        return False
    source = db.session.scalar(
        select(Instrument.builtin_key)
        .join(InstrumentVersion, InstrumentVersion.instrument_id == Instrument.id)
        .where(InstrumentVersion.id == instrument.cloned_from_version_id)
    )
    return source == PULSE_KEY


def _instrument_order(instrument: Instrument) -> tuple[int, str]:
    """The quarterly pulse first (built-in, then clones), then the others by name."""
    if instrument.builtin_key == PULSE_KEY:
        return (0, instrument.name.lower())
    return (1 if _is_pulse(instrument) else 2, instrument.name.lower())


def surveys_by_lineage(
    partnership: Partnership, states: Iterable[str]
) -> list[tuple[Instrument, list[Survey]]]:
    """Surveys in the given states, grouped by instrument lineage, pulse first, each lineage
    in cycle order (by the cycle's start date, decisions.md), then by close and open time."""
    rows = db.session.execute(
        select(Survey, Instrument)
        .join(Instrument, Instrument.id == Survey.instrument_id)
        .join(Cycle, Cycle.id == Survey.cycle_id)
        .where(Survey.partnership_id == partnership.id, Survey.state.in_(list(states)))
        .order_by(*CYCLE_ORDER, Survey.closed_at, Survey.opened_at, Survey.id)
    ).all()
    lineages: dict[int, tuple[Instrument, list[Survey]]] = {}
    for survey, instrument in rows:
        lineages.setdefault(instrument.id, (instrument, []))[1].append(survey)
    return sorted(lineages.values(), key=lambda pair: _instrument_order(pair[0]))


def item_texts(survey: Survey) -> dict[str, str]:
    """Question texts of the survey's version by item key, with a neutral partner name."""
    items = db.session.scalars(select(Item).where(Item.version_id == survey.instrument_version_id))
    texts = {}
    for item in items:
        text = render_text(item.text, "our partner")
        texts[item.key] = text[:1].upper() + text[1:]
    return texts


# --- the results export --------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _partnership_object(partnership: Partnership) -> dict[str, Any]:
    return {
        "id": partnership.id,
        "name": partnership.name,
        "timezone": partnership.timezone,
        "organizations": {
            ("A" if o.position == 1 else "B"): {"name": o.name, "short_code": o.short_code}
            for o in partnership.organizations
        },
    }


def _cycle_object(cycle: Cycle) -> dict[str, Any]:
    return {"id": cycle.id, "label": cycle.label}


def _survey_object(survey: Survey) -> dict[str, Any]:
    instrument = db.session.get(Instrument, survey.instrument_id)
    version = db.session.get(InstrumentVersion, survey.instrument_version_id)
    assert instrument is not None and version is not None
    result, snap = _result_and_snapshot(survey)
    return {
        "survey": {
            "id": survey.id,
            "instrument": {
                "name": instrument.name,
                "lineage": lineage_key(survey),
                "version": version.number,
            },
            "state": survey.state,
            "opened_at": _iso(survey.opened_at),
            "closed_at": _iso(survey.closed_at),
        },
        "snapshot": None
        if snap is None
        else {"version": snap.version, "created_at": _iso(snap.created_at), "reason": snap.reason},
        "result": result,
    }


def survey_export(survey: Survey) -> dict[str, Any]:
    """The export of one survey: partnership, cycle, survey, snapshot and result (read only)."""
    partnership = db.session.get(Partnership, survey.partnership_id)
    assert partnership is not None
    return {
        "partnership": _partnership_object(partnership),
        "cycle": _cycle_object(survey.cycle),
        **_survey_object(survey),
    }


def cycle_surveys(cycle: Cycle) -> dict[str, Survey]:
    """The cycle's reportable surveys (open or closed) by lineage key. Should a cycle hold two
    surveys of one lineage, the one furthest along wins (closed before open), then the newest."""
    chosen: dict[str, Survey] = {}
    for survey in sorted(
        (s for s in cycle.surveys if s.state in ("open", "closed")),
        key=lambda s: (_STATE_RANK.get(s.state, 0), s.id),
    ):
        chosen[lineage_key(survey)] = survey
    return chosen


def cycle_export(cycle: Cycle) -> dict[str, Any]:
    """The export of a cycle: each of its surveys' export objects, keyed by lineage."""
    partnership = db.session.get(Partnership, cycle.partnership_id)
    assert partnership is not None
    return {
        "partnership": _partnership_object(partnership),
        "cycle": _cycle_object(cycle),
        "surveys": {key: _survey_object(s) for key, s in cycle_surveys(cycle).items()},
    }


def _record(
    partnership_id: int,
    *,
    user: User | None,
    api_token: ApiToken | None,
    action: str,
    subject: str,
) -> None:
    with db.writing():
        if api_token is not None:
            api_token.last_used_at = utcnow()
        partnership = db.session.get(Partnership, partnership_id)
        assert partnership is not None
        log_access(partnership, user=user, api_token=api_token, action=action, subject=subject)


def survey_subject(survey: Survey) -> str:
    """How the access log names a survey: "survey 12 · 2026-Q1 · Quarterly partnership pulse"."""
    instrument = db.session.get(Instrument, survey.instrument_id)
    name = instrument.name if instrument is not None else "?"
    return f"survey {survey.id} · {survey.cycle.label} · {name}"[:200]


def export_survey_json(
    survey: Survey, *, user: User | None = None, api_token: ApiToken | None = None
) -> dict[str, Any]:
    """The JSON export of one survey, logged in the access log (who, what, when). Commits."""
    payload = survey_export(survey)
    _record(
        survey.partnership_id,
        user=user,
        api_token=api_token,
        action="export.json",
        subject=survey_subject(survey),
    )
    return payload


def export_cycle_json(
    cycle: Cycle, *, user: User | None = None, api_token: ApiToken | None = None
) -> dict[str, Any]:
    """The JSON export of a cycle, logged in the access log. Commits."""
    payload = cycle_export(cycle)
    _record(
        cycle.partnership_id,
        user=user,
        api_token=api_token,
        action="export.json",
        subject=f"cycle {cycle.id} · {cycle.label}"[:200],
    )
    return payload


def export_survey_file(survey: Survey, fmt: str, *, user: User | None) -> bytes:
    """The aggregated results of a survey as a file (``fmt`` "csv" | "xlsx" | "json"),
    built from the same result as the API's JSON export and logged in the access log.
    The JSON file is the API's object (rule codes and full precision). Commits."""
    from partnership.results import exports

    export = survey_export(survey)
    if fmt == "json":
        body = json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
    elif fmt == "csv":
        body = exports.results_csv(export)
    elif fmt == "xlsx":
        body = exports.results_xlsx(export)
    else:
        raise ResultsError(f"Unknown format {fmt!r}.")
    _record(
        survey.partnership_id,
        user=user,
        api_token=None,
        action=f"export.{fmt}",
        subject=survey_subject(survey),
    )
    return body


# --- API tokens ----------------------------------------------------------------------------


@db.writes
def create_api_token(
    partnership: Partnership, name: str, user: User | None
) -> tuple[ApiToken, str]:
    """A new API token for the partnership's results export. Returns the row and the raw
    token, which is shown once and never stored (only its SHA-256 is). Commits."""
    name = (name or "").strip()
    if not name:
        raise ResultsError("Give the token a name, e.g. the tool that will use it.")
    if len(name) > 100:
        raise ResultsError("The name may have at most 100 characters.")
    raw = new_token()
    token = ApiToken(
        partnership_id=partnership.id,
        name=name,
        token_hash=hash_token(raw),
        prefix=raw[:TOKEN_PREFIX_LENGTH],
        created_by_id=user.id if user is not None else None,
    )
    db.session.add(token)
    db.session.commit()
    log.info("partnership %s: API token %s created", partnership.id, token.id)
    return token, raw


@db.writes
def revoke_api_token(token: ApiToken) -> None:
    """Revoke a token: from now on it authenticates nothing. Idempotent. Commits."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        log.info("partnership %s: API token %s revoked", token.partnership_id, token.id)


def authenticate_token(raw: str) -> ApiToken | None:
    """The live (not revoked) token with this value, or None. Reads only."""
    if not raw or len(raw) > 200:
        return None
    return db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(raw), ApiToken.revoked_at.is_(None)
        )
    )


def partnership_for_token(raw: str) -> Partnership | None:
    """The partnership a live token belongs to, or None; records the token's use
    (``last_used_at``). Commits."""
    token = authenticate_token(raw)
    if token is None:
        return None
    with db.writing():
        token.last_used_at = utcnow()
    return db.session.get(Partnership, token.partnership_id)


def api_partnership(
    partnership_id: int, *, user: User | None = None, api_token: ApiToken | None = None
) -> Partnership | None:
    """The partnership a caller of the results API may read, else None (whether it does not
    exist or the caller has no access: the API never tells the two apart). A token opens only
    its own partnership; a signed-in user, the partnerships they are a member of."""
    if api_token is not None:
        if api_token.partnership_id != partnership_id or api_token.revoked_at is not None:
            return None
        return db.session.get(Partnership, partnership_id)
    partnership = db.session.get(Partnership, partnership_id)
    if user is None or partnership is None or not may(user, partnership, Act.VIEW_RESULTS):
        return None
    return partnership


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    created_by: str | None


def api_tokens(partnership: Partnership) -> list[TokenRow]:
    """The partnership's tokens, live ones first, newest first."""
    rows = db.session.execute(
        select(ApiToken, User.name)
        .outerjoin(User, User.id == ApiToken.created_by_id)
        .where(ApiToken.partnership_id == partnership.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
    return [TokenRow(token, name) for token, name in rows]


# --- access log ----------------------------------------------------------------------------


def log_access(
    partnership: Partnership,
    *,
    user: User | None = None,
    api_token: ApiToken | None = None,
    action: str,
    subject: str,
) -> AccessLog:
    """Add a row to the partnership's access log (flush only)."""
    row = AccessLog(
        partnership_id=partnership.id,
        user_id=user.id if user is not None else None,
        api_token_id=api_token.id if api_token is not None else None,
        action=action[:40],
        subject=subject[:200],
    )
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class AccessEntry:
    at: dt.datetime
    who: str
    action: str
    action_label: str
    subject: str


def access_log(partnership: Partnership, *, limit: int = ACCESS_LOG_LIMIT) -> list[AccessEntry]:
    """The newest entries of the partnership's access log: who (a person or an API token),
    what, when."""
    rows = db.session.execute(
        select(AccessLog, User.name, User.email, ApiToken.name, ApiToken.prefix)
        .outerjoin(User, User.id == AccessLog.user_id)
        .outerjoin(ApiToken, ApiToken.id == AccessLog.api_token_id)
        .where(AccessLog.partnership_id == partnership.id)
        .order_by(AccessLog.created_at.desc(), AccessLog.id.desc())
        .limit(limit)
    ).all()
    out = []
    for row, user_name, user_email, token_name, token_prefix in rows:
        if user_name is not None:
            who = f"{user_name} ({user_email})"
        elif token_name is not None:
            who = f"API token “{token_name}” ({token_prefix}…)"
        else:
            who = "a deleted account or token"
        out.append(
            AccessEntry(
                at=row.created_at,
                who=who,
                action=row.action,
                action_label=ACTION_LABELS.get(row.action, row.action),
                subject=row.subject,
            )
        )
    return out


@db.writes
def hide_comment(partnership: Partnership, comment_id: str, user: Any) -> Survey:
    """Hide a comment that names a person: it is kept, marked hidden with who and when, and
    the hiding is logged. Returns the comment's survey; 404 when the comment is not one of
    the partnership's. Commits."""
    row = db.session.execute(
        select(Comment, Survey)
        .join(Response, Response.id == Comment.response_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Comment.id == comment_id, Survey.partnership_id == partnership.id)
    ).first()
    if row is None:
        raise NotFound("There is no such comment in this partnership.")
    comment, survey = row
    if not comment.is_hidden:
        comment.is_hidden = True
        comment.hidden_by_id = user.id
        comment.hidden_at = utcnow()
        log_access(
            partnership,
            user=user,
            action="comment.hide",
            subject=f"comment {comment.id} of survey {survey.id}",
        )
        db.session.commit()
        log.info("comment hidden in survey %s by user %s", survey.id, user.id)
    return survey
