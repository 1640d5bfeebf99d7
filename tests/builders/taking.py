"""An open survey with working personal links, and the forms a stakeholder posts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html.parser import HTMLParser

from sqlalchemy import func, select

from partnership.db import utcnow
from partnership.extensions import db
from partnership.instruments import catalog
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.partnerships.models import Partnership
from partnership.surveys.models import (
    Cycle,
    Invitation,
    InvitationToken,
    Survey,
    hash_token,
    new_token,
)
from tests.builders.basics import make_partnership, make_stakeholders


@dataclass
class OpenSurvey:
    partnership: Partnership
    survey: Survey
    version: InstrumentVersion
    items: list[Item]
    tokens: list[str]
    invitations: list[Invitation]

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)


def build_instrument(
    partnership: Partnership, spec: catalog.CatalogInstrument
) -> InstrumentVersion:
    """The instrument as a clone of the partnership (the built-in key stays free for others)."""
    instrument = Instrument(
        partnership_id=partnership.id,
        name=spec.name,
        description=spec.description,
        audience=spec.audience,
        minutes=spec.minutes,
    )
    db.session.add(instrument)
    db.session.flush()
    version = InstrumentVersion(
        instrument_id=instrument.id, number=1, dimensions=list(spec.dimensions), is_locked=True
    )
    db.session.add(version)
    db.session.flush()
    for position, spec_item in enumerate(spec.items, start=1):
        db.session.add(
            Item(
                version_id=version.id,
                key=spec_item.key,
                position=position,
                kind=spec_item.kind,
                text=spec_item.text,
                help=spec_item.help,
                dimension=spec_item.dimension,
                is_reverse=spec_item.reverse,
                allow_na=spec_item.allow_na,
                is_required=spec_item.required,
                sign=spec_item.sign,
            )
        )
    db.session.flush()
    return version


def open_survey(
    *,
    spec: catalog.CatalogInstrument = catalog.QUARTERLY_PULSE,
    invitations: int = 1,
    state: str = "open",
    closes_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
    org_a_name: str = "Müller Fertigung",
    org_b_name: str = "Beta Hardware",
    timezone: str = "Europe/Berlin",
    min_group: int = 5,
    invite_side: str = "b",
) -> OpenSurvey:
    """A partnership with a survey in `state` and `invitations` links for stakeholders of
    organization B (so items name organization A). Commits."""
    partnership = make_partnership(
        org_a_name=org_a_name, org_b_name=org_b_name, timezone=timezone, min_group=min_group
    )
    counts = (0, invitations) if invite_side == "b" else (invitations, 0)
    people = make_stakeholders(partnership, *counts, function="sales", level="manager")
    version = build_instrument(partnership, spec)
    cycle = Cycle(partnership_id=partnership.id, label="2026-Q2")
    db.session.add(cycle)
    db.session.flush()
    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=version.instrument_id,
        instrument_version_id=version.id,
        state=state,
        opened_at=utcnow() - dt.timedelta(days=1) if state in ("open", "closed") else None,
        closes_at=closes_at,
        closed_at=closed_at,
    )
    db.session.add(survey)
    db.session.flush()
    tokens, rows = [], []
    for person in people:
        rows.append(
            Invitation(
                survey_id=survey.id,
                stakeholder_id=person.id,
                organization_id=person.organization_id,
                function=person.function,
                level=person.level,
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        token = new_token()
        tokens.append(token)
        db.session.add(InvitationToken(token_hash=hash_token(token), invitation_id=row.id))
    db.session.commit()
    items = list(
        db.session.scalars(
            select(Item).where(Item.version_id == version.id).order_by(Item.position)
        )
    )
    return OpenSurvey(partnership, survey, version, items, tokens, rows)


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def full_answers(world: OpenSurvey, value: str = "4") -> dict[str, str]:
    """A complete, valid submission: `value` for every agreement item, 9 for likelihood."""
    data: dict[str, str] = {}
    for item in world.items:
        if item.kind == "agreement":
            data[f"item-{item.id}"] = value
        elif item.kind == "frequency":
            data[f"item-{item.id}"] = "2"
        elif item.kind == "likelihood":
            data[f"item-{item.id}"] = "9"
    return data


class FormReader(HTMLParser):
    """The survey form's fields as a browser without JavaScript would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.action: str | None = None
        self.hidden: dict[str, str] = {}
        self.radios: dict[str, list[dict[str, str | None]]] = {}
        self.textareas: list[str] = []
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.fieldsets = 0
        self.legends = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))
        if tag == "form" and "survey-form" in (a.get("class") or ""):
            self.in_form = True
            self.action = a.get("action")
        if not self.in_form:
            return
        if tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[str(a["name"])] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "radio":
            self.radios.setdefault(str(a["name"]), []).append(a)
        elif tag == "textarea":
            self.textareas.append(str(a["name"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader
