"""A realistic closed quarterly pulse: two organizations of 8-12 respondents each, with segments
and a gap in execution, for the results pages and the browser tests."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from typing import Any, NamedTuple

from sqlalchemy import select

from partnership.db import utcnow
from partnership.extensions import db
from partnership.instruments.catalog import DIMENSION_LABELS, QUARTERLY_PULSE
from partnership.instruments.models import SCALE_POINTS, Instrument, InstrumentVersion, Item
from partnership.instruments.services import ensure_builtins
from partnership.partnerships.models import Stakeholder
from partnership.results.models import Snapshot
from partnership.scoring import Comment as ScoredComment
from partnership.scoring import (
    HistoryPoint,
    ItemSpec,
    RawResponse,
    Segment,
    Settings,
    SurveyInput,
    score_survey,
    survey_input_from_responses,
)
from partnership.surveys.models import (
    Answer,
    Comment,
    Cycle,
    Invitation,
    Response,
    Survey,
)
from tests.builders.basics import make_partnership, make_user

# Typical answer (1..5, favourable direction) per organization and dimension: Alpha is happy
# with execution, Beta is not, so execution carries a clear gap.
ATTITUDES = {
    "A": {
        "cultural": 4.0,
        "market": 3.8,
        "execution": 4.4,
        "governance": 3.6,
        "communication": 3.9,
    },
    "B": {
        "cultural": 3.6,
        "market": 3.4,
        "execution": 2.8,
        "governance": 3.5,
        "communication": 3.4,
    },
}


FUNCTIONS = ("sales", "operations", "product")


LEVEL_CYCLE = ("executive", "manager", "individual", "individual")


PULSE_DIMENSIONS = QUARTERLY_PULSE.dimensions


def pulse_specs() -> list[ItemSpec]:
    """The quarterly pulse's scored and reported items as the scoring package sees them."""
    return [
        ItemSpec(item.key, item.dimension, SCALE_POINTS[item.kind], item.reverse, item.kind)
        for item in QUARTERLY_PULSE.items
        if item.kind != "comment"
    ]


def make_pulse_instrument(partnership, name: str | None = None):
    """The built-in quarterly pulse; with a name, a partnership's own lineage with its items."""
    if name is None:
        ensure_builtins()
        return db.session.scalars(
            select(Instrument).where(Instrument.builtin_key == QUARTERLY_PULSE.key)
        ).one()
    instrument = Instrument(partnership_id=partnership.id, name=name)
    db.session.add(instrument)
    db.session.flush()
    version = InstrumentVersion(
        instrument_id=instrument.id, number=1, dimensions=list(PULSE_DIMENSIONS)
    )
    db.session.add(version)
    db.session.flush()
    for position, item in enumerate(QUARTERLY_PULSE.items, start=1):
        db.session.add(
            Item(
                version_id=version.id,
                key=item.key,
                position=position,
                kind=item.kind,
                text=item.text,
                dimension=item.dimension,
                is_reverse=item.reverse,
            )
        )
    db.session.commit()
    return instrument


def _answers(rng: random.Random, org: str, shift: float) -> dict[str, int | None]:
    answers: dict[str, int | None] = {}
    for spec in pulse_specs():
        if spec.kind == "likelihood":
            answers[spec.id] = max(0, min(10, round(7 + 2 * (shift + rng.gauss(0, 0.6)))))
            continue
        base = ATTITUDES[org].get(spec.dimension or "", 3.8) + shift
        x = max(1, min(5, round(base + rng.gauss(0, 0.7))))
        answers[spec.id] = (6 - x) if spec.reverse else x
    return answers


class Built(NamedTuple):
    survey: Survey
    result: dict[str, Any]  # SurveyResult.to_dict(), as stored in the snapshot
    scoring_input: SurveyInput


def build_closed_survey(
    partnership,
    *,
    instrument=None,
    label: str = "2026-Q1",
    n_a: int = 10,
    n_b: int = 9,
    seed: int = 7,
    shift: float = 0.0,
    closed_at: dt.datetime | None = None,
    comments: dict[str, list[str]] | None = None,
    history: tuple[dict[str, Any], ...] = (),
    state: str = "closed",
    functions: tuple[str, ...] = FUNCTIONS,
    levels: tuple[str, ...] = LEVEL_CYCLE,
) -> Built:
    """A survey of the pulse with invitations, responses, answers and comments, and (when
    closed) its snapshot: the survey, the snapshot's data and the scoring input behind it."""
    instrument = instrument or make_pulse_instrument(partnership)
    version = instrument.versions[-1]
    comment_item = next(i for i in version.items if i.kind == "comment")
    cycle = Cycle(partnership_id=partnership.id, label=label)
    db.session.add(cycle)
    db.session.flush()
    closed_at = closed_at or utcnow() - dt.timedelta(days=2)
    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=instrument.id,
        instrument_version_id=version.id,
        state=state,
        opened_at=closed_at - dt.timedelta(days=14),
        closed_at=closed_at if state == "closed" else None,
    )
    db.session.add(survey)
    db.session.flush()
    rng = random.Random(seed)
    orgs = {"A": partnership.org_a, "B": partnership.org_b}
    item_ids = {i.key: i.id for i in version.items}
    raw: list[RawResponse] = []
    invited: dict[Segment, int] = {}
    scored_comments: list[ScoredComment] = []
    comments = (
        comments
        if comments is not None
        else {
            "A": ["Keep the joint roadmap reviews.", "Start sharing forecasts earlier."],
            "B": ["Stop changing priorities mid-quarter.", "Hand-offs to the factory get lost."],
        }
    )
    for org, count in (("A", n_a), ("B", n_b)):
        texts = list(comments.get(org, []))
        for k in range(count):
            segment = Segment(org, functions[k % len(functions)], levels[k % len(levels)])
            invited[segment] = invited.get(segment, 0) + 1
            _invite(partnership, survey, orgs[org], segment, used=True)
            answers = _answers(rng, org, shift)
            raw.append(RawResponse(segment, answers))
            response = Response(
                survey_id=survey.id,
                organization_id=orgs[org].id,
                function=segment.function,
                level=segment.level,
                submitted_on=closed_at.date(),
            )
            db.session.add(response)
            db.session.flush()
            db.session.add_all(
                Answer(response_id=response.id, item_id=item_ids[key], value=value)
                for key, value in answers.items()
            )
            if k < len(texts):
                row = Comment(response_id=response.id, item_id=comment_item.id, body=texts[k])
                db.session.add(row)
                db.session.flush()
                scored_comments.append(ScoredComment(segment, row.id, texts[k]))
        # one invitee per organization did not answer
        extra = Segment(org, "operations", "manager")
        invited[extra] = invited.get(extra, 0) + 1
        _invite(partnership, survey, orgs[org], extra, used=False)
    data = survey_input_from_responses(
        pulse_specs(),
        PULSE_DIMENSIONS,
        raw,
        invited,
        org_names={"A": partnership.org_a.name, "B": partnership.org_b.name},
        comments=scored_comments,
    )
    data = replace(data, dimension_labels=DIMENSION_LABELS)
    result = score_survey(
        data,
        Settings(min_group=partnership.min_group),
        history=tuple(HistoryPoint.from_dict(h) for h in history),
        is_open=state != "closed",
        comment_key=b"snapshot-key",
    ).to_dict()
    if state == "closed":
        db.session.add(Snapshot(survey_id=survey.id, version=1, data=result))
    db.session.commit()
    return Built(survey, result, data)


_people = iter(range(1, 10**9))


def _invite(partnership, survey, org, segment: Segment, *, used: bool) -> None:
    n = next(_people)
    person = Stakeholder(
        partnership_id=partnership.id,
        organization_id=org.id,
        name=f"Person {n}",
        email=f"person{n}@{org.short_code.lower()}.example",
        function=segment.function,
        level=segment.level,
    )
    db.session.add(person)
    db.session.flush()
    db.session.add(
        Invitation(
            survey_id=survey.id,
            stakeholder_id=person.id,
            organization_id=org.id,
            function=segment.function,
            level=segment.level,
            is_used=used,
        )
    )


def setup_coach(**partnership_kw: Any):
    coach = make_user()
    partnership = make_partnership(coach, **partnership_kw)
    return coach, partnership


def dim(result: dict[str, Any], key: str) -> dict[str, Any]:
    return next(d for d in result["dimensions"] if d["dimension"] == key)
