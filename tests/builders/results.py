"""A small results world written straight into the tables: an instrument, a survey, invitees and
responses with chosen answers (the hand example of scoring.md), closed through the one close use
case."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select

from partnership.db import utcnow
from partnership.extensions import db
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.partnerships.models import Partnership, Stakeholder
from partnership.results.services import close_survey
from partnership.surveys.history import Invitee, PastResponse, record_invitations, record_responses
from partnership.surveys.models import (
    Cycle,
    Response,
    Survey,
)

_seq = itertools.count(1)


PULSE = ("cultural", "market", "execution", "governance", "communication")


def make_instrument(
    partnership: Partnership | None,
    *,
    dims: Sequence[str] = ("execution",),
    per_dim: int = 3,
    reverse: Iterable[int] = (2,),
    overall: bool = False,
    likelihood: bool = False,
    comment: bool = False,
    signs: Sequence[tuple[int, str]] = (),
    builtin_key: str | None = None,
    name: str = "Pulse",
) -> tuple[Instrument, InstrumentVersion]:
    """An instrument with one version: ``per_dim`` agreement items per dimension, keys
    "<dim>-<k>" (k from 1; those in ``reverse`` reverse-keyed), and optionally the overall
    item ("overall"), a 0-10 item ("nps"), a comment item ("comment") and frequency items
    for early-warning signs ((sign, dimension) -> key "sign-<n>")."""
    instrument = Instrument(
        partnership_id=None if builtin_key else partnership.id,
        name=name,
        builtin_key=builtin_key,
    )
    db.session.add(instrument)
    db.session.flush()
    sign_dims = [d for _, d in signs if d not in dims]
    version = InstrumentVersion(
        instrument_id=instrument.id, number=1, dimensions=[*dims, *dict.fromkeys(sign_dims)]
    )
    db.session.add(version)
    db.session.flush()
    rev = set(reverse)
    position = itertools.count(1)
    rows = [
        Item(
            version_id=version.id,
            key=f"{d}-{k}",
            position=next(position),
            kind="agreement",
            text=f"{d} {k}",
            dimension=d,
            is_reverse=k in rev,
        )
        for d in dims
        for k in range(1, per_dim + 1)
    ]
    for sign, dim in signs:
        rows.append(
            Item(
                version_id=version.id,
                key=f"sign-{sign}",
                position=next(position),
                kind="frequency",
                text=f"sign {sign}",
                dimension=dim,
                is_reverse=True,
                sign=sign,
            )
        )
    if overall:
        rows.append(
            Item(
                version_id=version.id,
                key="overall",
                position=next(position),
                kind="agreement",
                text="Overall",
            )
        )
    if likelihood:
        rows.append(
            Item(
                version_id=version.id,
                key="nps",
                position=next(position),
                kind="likelihood",
                text="Recommend",
            )
        )
    if comment:
        rows.append(
            Item(
                version_id=version.id,
                key="comment",
                position=next(position),
                kind="comment",
                text="Start, stop, continue?",
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return instrument, version


def make_survey(
    partnership: Partnership,
    instrument: Instrument,
    version: InstrumentVersion,
    *,
    cycle: Cycle | None = None,
    label: str = "2026-Q1",
    state: str = "closed",
    closed_at: dt.datetime | None = None,
) -> Survey:
    if cycle is None:
        cycle = db.session.scalar(
            select(Cycle).where(Cycle.partnership_id == partnership.id, Cycle.label == label)
        )
    if cycle is None:
        cycle = Cycle(partnership_id=partnership.id, label=label)
        db.session.add(cycle)
        db.session.flush()
    now = utcnow()
    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=instrument.id,
        instrument_version_id=version.id,
        state=state,
        opened_at=now - dt.timedelta(days=14),
        closed_at=(closed_at or now - dt.timedelta(days=1)) if state == "closed" else None,
    )
    db.session.add(survey)
    db.session.commit()
    return survey


def invite(
    survey: Survey, org: str, count: int, function: str = "operations", level: str = "individual"
) -> None:
    """``count`` new stakeholders of organization "A" or "B", invited to the survey (written
    as a past, with partnership.surveys.history like the demo and the benchmarks)."""
    partnership = db.session.get(Partnership, survey.partnership_id)
    organization = partnership.org_a if org == "A" else partnership.org_b
    people = []
    for _ in range(count):
        n = next(_seq)
        person = Stakeholder(
            partnership_id=partnership.id,
            organization_id=organization.id,
            name=f"Invitee {n}",
            email=f"invitee{n}.{survey.id}@{org.lower()}.example",
            function=function,
            level=level,
        )
        db.session.add(person)
        people.append(person)
    db.session.flush()
    record_invitations(survey.id, [Invitee(p.id, organization.id, function, level) for p in people])
    db.session.commit()


def respond(
    survey: Survey,
    org: str,
    answers: Mapping[str, int | None],
    *,
    function: str = "operations",
    level: str = "individual",
    comment: str | None = None,
    commit: bool = True,
) -> Response:
    """One submitted response; ``answers`` maps item keys to raw values (None = N.A.)."""
    partnership = db.session.get(Partnership, survey.partnership_id)
    organization = partnership.org_a if org == "A" else partnership.org_b
    items = dict(
        db.session.execute(
            select(Item.key, Item.id).where(Item.version_id == survey.instrument_version_id)
        ).all()
    )
    (response_id,) = record_responses(
        survey.id,
        [
            PastResponse(
                organization.id,
                function,
                level,
                {items[key]: value for key, value in answers.items()},
                {items["comment"]: comment} if comment is not None else {},
                on=dt.date.today(),
            )
        ],
    )
    if commit:
        db.session.commit()
    response = db.session.get(Response, response_id)
    assert response is not None
    return response


def close(survey: Survey) -> Survey:
    """Close the survey now through the one close use case (close, then freeze the snapshot).
    A survey built in another state (closed is ``make_survey``'s default) is closed, now."""
    if survey.state != "open":
        survey.state, survey.closed_at = "open", None
        db.session.flush()
    close_survey(survey)
    return survey


def rows(
    values: Sequence[Sequence[int | None]], keys: Sequence[str]
) -> list[dict[str, int | None]]:
    """Answer dicts from a table of raw values, one row per person."""
    return [dict(zip(keys, row, strict=True)) for row in values]


EX = ("execution-1", "execution-2", "execution-3")  # execution-2 is reverse-keyed


HAND_A = [(5, 1, 5), (4, 2, 4), (4, 2, 4), (3, 3, 3), (4, 2, 4), (4, 2, None)]


HAND_B = [(3, 3, 3), (3, 3, 3), (2, 4, 2), (4, 2, 4), (3, 3, 3), (3, 3, 3)]


def hand_example(
    partnership: Partnership,
    *,
    b_rows: Sequence[Sequence[int | None]] = HAND_B,
    state: str = "closed",
    label: str = "2026-Q1",
    closed_at: dt.datetime | None = None,
) -> Survey:
    """8 invited per organization; A answers HAND_A, B answers ``b_rows``; two comments from
    A and one from B."""
    instrument, version = make_instrument(partnership, comment=True, builtin_key=None)
    survey = make_survey(
        partnership, instrument, version, state=state, label=label, closed_at=closed_at
    )
    invite(survey, "A", 8)
    invite(survey, "B", 8)
    for k, answers in enumerate(rows(HAND_A, EX)):
        respond(survey, "A", answers, comment=("Faster decisions" if k < 2 else None))
    for k, answers in enumerate(rows(b_rows, EX)):
        respond(survey, "B", answers, comment=("Clearer priorities" if k == 0 else None))
    return survey
