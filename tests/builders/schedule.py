"""Builders for the scheduler's tests: a survey planned in 2030 (Europe/Berlin), stakeholders,
and one pass of `flask jobs tick --now`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.outbox.models import OutboxMessage
from partnership.surveys import services
from partnership.surveys.models import Cycle, Survey
from tests.builders.surveys import add_stakeholder

UTC = dt.UTC
BERLIN_OPENS = dt.datetime(2030, 3, 4, 9, 0)  # local, Europe/Berlin (UTC+1 in March)
BERLIN_CLOSES = dt.datetime(2030, 3, 18, 17, 0)
OPENS = dt.datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
CLOSES = dt.datetime(2030, 3, 18, 16, 0, tzinfo=UTC)


def tick(runner, when: dt.datetime):  # type: ignore[no-untyped-def]
    """One pass of every job at `when`; fails the test if the pass fails."""
    result = runner.invoke(args=["jobs", "tick", "--now", when.isoformat()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def plan(partnership, instrument, *, opens=BERLIN_OPENS, closes=BERLIN_CLOSES, functions=None):  # type: ignore[no-untyped-def]
    """A scheduled survey in cycle 2030-Q1 (times are local wall-clock times)."""
    cycle = db.session.scalar(
        select(Cycle).where(Cycle.partnership_id == partnership.id, Cycle.label == "2030-Q1")
    ) or services.create_cycle(partnership, "2030-Q1")
    survey = services.create_survey(
        partnership,
        cycle,
        services.SurveyData(
            instrument_id=instrument.id,
            opens_at=opens,
            closes_at=closes,
            target_functions=functions or [],
        ),
    )
    assert survey.state == "scheduled"
    return survey


def people(partnership, n: int, **kw):  # type: ignore[no-untyped-def]
    """`n` stakeholders alternating between the two organizations: p0@x.example, ..."""
    return [
        add_stakeholder(partnership, 1 + i % 2, name=f"Person {i}", email=f"p{i}@x.example", **kw)
        for i in range(n)
    ]


def reminders_to() -> list[str]:
    """Addresses of every reminder written, sorted."""
    return sorted(
        db.session.scalars(
            select(OutboxMessage.to_address).where(OutboxMessage.kind == "survey.reminder")
        )
    )


def reminded(mailbox) -> list[str]:  # type: ignore[no-untyped-def]
    """Recipients of the reminders the loopback SMTP server received, sorted."""
    return sorted(
        str(m["To"]) for m in mailbox.messages if str(m["Subject"]).startswith("Reminder")
    )


def count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def survey_page(survey: Survey) -> str:
    return f"/partnerships/{survey.partnership_id}/cycles/{survey.cycle_id}/surveys/{survey.id}"
