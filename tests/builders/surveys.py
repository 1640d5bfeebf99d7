"""Cycles and surveys as a coach sets them up, with stakeholders and their invitations."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.outbox.models import OutboxMessage
from partnership.partnerships.models import Partnership, Stakeholder
from partnership.surveys import services
from partnership.surveys.models import (
    Cycle,
    Invitation,
    Response,
    Survey,
)

BASE = "http://localhost"


TOKEN = re.compile(r"/s/([A-Za-z0-9_-]{40,})")


def make_instrument(partnership: Partnership, name: str = "Quarterly pulse", minutes: int = 5):
    """An instrument of the partnership with one version of one agreement item."""
    instrument = Instrument(partnership_id=partnership.id, name=name, minutes=minutes)
    db.session.add(instrument)
    db.session.flush()
    version = InstrumentVersion(instrument_id=instrument.id, number=1, dimensions=["cultural"])
    db.session.add(version)
    db.session.flush()
    db.session.add(
        Item(
            version_id=version.id,
            key="c-1",
            position=1,
            kind="agreement",
            text="We hear early from {partner} when priorities change.",
            dimension="cultural",
        )
    )
    db.session.commit()
    return instrument


def make_survey(
    partnership: Partnership,
    instrument: Instrument,
    *,
    label: str = "2030-Q2",
    closes_at: dt.datetime | None = None,
    functions: list[str] | None = None,
    levels: list[str] | None = None,
) -> Survey:
    cycle = db.session.scalar(
        select(Cycle).where(Cycle.partnership_id == partnership.id, Cycle.label == label)
    ) or services.create_cycle(partnership, label)
    local = closes_at or dt.datetime(2030, 6, 14, 17, 0)
    return services.create_survey(
        partnership,
        cycle,
        services.SurveyData(
            instrument_id=instrument.id,
            closes_at=local,
            target_functions=functions or [],
            target_levels=levels or [],
        ),
    )


def add_stakeholder(
    partnership: Partnership,
    org_position: int,
    *,
    name: str,
    email: str,
    function: str = "operations",
    level: str = "individual",
    active: bool = True,
    opted_out: bool = False,
) -> Stakeholder:
    org = partnership.organizations[org_position - 1]
    row = Stakeholder(
        partnership_id=partnership.id,
        organization_id=org.id,
        name=name,
        email=email,
        function=function,
        level=level,
        is_active=active,
        is_reminder_opt_out=opted_out,
    )
    db.session.add(row)
    db.session.commit()
    return row


def answer(invitation: Invitation) -> None:
    """What the stakeholder's submission leaves behind: a used invitation and a response."""
    invitation.is_used = True
    db.session.add(
        Response(
            survey_id=invitation.survey_id,
            organization_id=invitation.organization_id,
            function=invitation.function,
            level=invitation.level,
            submitted_on=dt.date.today(),
        )
    )
    db.session.commit()


def survey_url(survey: Survey, action: str = "") -> str:
    url = f"/partnerships/{survey.partnership_id}/cycles/{survey.cycle_id}/surveys/{survey.id}"
    return url + (f"/{action}" if action else "")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def outbox(prefix: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.idempotency_key.startswith(prefix))
            .order_by(OutboxMessage.id)
        )
    )
