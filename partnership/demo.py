"""The demo partnership: a software company and a hardware manufacturer a year into their
partnership (see README). Loading is idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from partnership.accounts.models import User
from partnership.accounts.services import create_user
from partnership.db import utcnow
from partnership.extensions import db
from partnership.partnerships.models import Partnership, Stakeholder
from partnership.partnerships.services import PartnershipData, create_partnership
from partnership.surveys.models import Cycle

COACH_EMAIL = "coach@example.org"
DEMO_NAME = "Lumen Software × Müller Fertigung"

_FIRST = [
    "Ana",
    "João",
    "Chloé",
    "Søren",
    "Zoë",
    "Mateus",
    "Ines",
    "Łukasz",
    "Aiko",
    "Björn",
    "Camila",
    "Dmitri",
    "Elif",
    "François",
    "Greta",
    "Héctor",
    "Ingrid",
    "Jürgen",
    "Kateřina",
    "Lars",
    "Marta",
    "Nuno",
    "Oğuz",
    "Paula",
    "Quentin",
    "Renée",
    "Sérgio",
    "Tomás",
    "Ulla",
    "Vítor",
    "Wiebke",
    "Xavier",
    "Yara",
    "Zsófia",
]
_LAST = [
    "Müller",
    "Conceição",
    "Østergaard",
    "Nakamura",
    "Schäfer",
    "Gonçalves",
    "Dvořák",
    "Öztürk",
    "Lefèvre",
    "Sørensen",
    "Pereira",
    "Kowalski",
    "Hoffmann",
    "Ibáñez",
    "Weiß",
    "Andrade",
]


def _people(org: str, count: int, offset: int) -> list[tuple[str, str, str, str]]:
    """(name, email, function, level) for `count` people; functions and levels rotate so every
    breakdown has several members."""
    functions = [
        "product",
        "sales",
        "operations",
        "procurement",
        "finance",
        "leadership",
        "operations",
    ]
    levels = ["individual", "individual", "manager", "individual", "executive", "manager"]
    people = []
    for i in range(count):
        first = _FIRST[(i + offset) % len(_FIRST)]
        last = _LAST[(i * 3 + offset) % len(_LAST)]
        email = f"{first}.{last}.{i}".lower()
        email = email.encode("ascii", "ignore").decode().replace(" ", "") + f"@{org}.example"
        people.append(
            (f"{first} {last}", email, functions[i % len(functions)], levels[i % len(levels)])
        )
    return people


@db.writes
def load_demo(password: str, base_url: str = "http://127.0.0.1:5000") -> str:
    """Create the demo coach and partnership when missing. Returns the login text to print."""
    coach = db.session.scalar(select(User).where(User.email == COACH_EMAIL))
    if coach is None:
        coach = create_user(COACH_EMAIL, "Rita Conceição", password, role="coach")
    partnership = db.session.scalar(select(Partnership).where(Partnership.name == DEMO_NAME))
    if partnership is None:
        partnership = create_partnership(
            coach,
            PartnershipData(
                name=DEMO_NAME,
                description=(
                    "Lumen builds the control software for Müller's industrial sensors. A year in, "
                    "the two sides pull apart on product priorities."
                ),
                start_date=dt.date(2025, 10, 1),
                timezone="Europe/Berlin",
                org_a_name="Lumen Software",
                org_a_code="LUM",
                org_b_name="Müller Fertigung",
                org_b_code="MUE",
            ),
        )
        for org, count, offset, domain in (
            (partnership.org_a, 24, 0, "lumen"),
            (partnership.org_b, 22, 7, "mueller"),
        ):
            for name, email, function, level in _people(domain, count, offset):
                db.session.add(
                    Stakeholder(
                        partnership_id=partnership.id,
                        organization_id=org.id,
                        name=name,
                        email=email,
                        function=function,
                        level=level,
                    )
                )
        db.session.commit()
        _extend(partnership)
    lines = [
        "Demo partnership ready: " + DEMO_NAME,
        f"Coach login: email {COACH_EMAIL}  password: {password}",
    ]
    link = survey_link(base_url)
    if link:
        lines.append(f"A stakeholder's survey link (open quarter 2026-Q4): {link}")
    return "\n".join(lines)


# The story, quarter by quarter: mean answer (1..5 scale, before reverse keying) per dimension
# for Lumen (A) and Müller (B), and how many of each side answered. Execution and market pull
# apart through Q2 and Q3 while Müller's participation falls; the Q3 audit finds the friction;
# Q4 (open now) starts to recover.
_STORY = [
    (
        "2026-Q1",
        {
            "cultural": (3.9, 3.7),
            "market": (3.8, 3.6),
            "execution": (3.8, 3.5),
            "governance": (3.7, 3.6),
            "communication": (3.8, 3.6),
        },
        (20, 18),
    ),
    (
        "2026-Q2",
        {
            "cultural": (3.7, 3.4),
            "market": (3.7, 3.1),
            "execution": (3.6, 2.9),
            "governance": (3.5, 3.3),
            "communication": (3.6, 3.2),
        },
        (19, 14),
    ),
    (
        "2026-Q3",
        {
            "cultural": (3.6, 3.3),
            "market": (3.6, 2.8),
            "execution": (3.7, 2.5),
            "governance": (3.3, 3.0),
            "communication": (3.4, 2.9),
        },
        (19, 11),
    ),
    (
        "2026-Q4",
        {
            "cultural": (3.7, 3.5),
            "market": (3.7, 3.3),
            "execution": (3.7, 3.2),
            "governance": (3.6, 3.4),
            "communication": (3.7, 3.4),
        },
        (10, 8),
    ),
]
# Plan-and-execution signs that operations people of Lumen (A) and Müller (B) see recurring,
# per quarter (the others come up only now and then): Müller crosses into amber in Q2 and red
# in Q3 (late forecast changes, pushing and cutting, overtime, "just in case" stock).
_SIGNS = {"2026-Q2": ({1}, {1, 2, 6}), "2026-Q3": ({1, 10}, {1, 2, 6, 8})}

# KPIs: two shared results and one local target per side, linked to the result it should
# serve: (name, scope, organization position, function, unit, direction, current target, link).
_KPIS = [
    ("On-time joint deliveries", "shared", None, None, "%", "higher", 95, None),
    ("Joint pipeline value", "shared", None, None, "EUR", "higher", 4_000_000, None),
    ("Sales volume", "local", 1, "sales", "licences", "higher", 120, "Joint pipeline value"),
    ("Unit cost", "local", 2, "operations", "EUR", "lower", 41, "On-time joint deliveries"),
]
# (value, target as it stood) per quarter, recorded before the quarter's surveys close. Q2:
# Müller beats its unit-cost target with big batches while joint deliveries slip to 88% (the
# local-optimization red); Q3: deliveries miss again (amber, two cycles running) and unit cost
# (its target cut to 41) rises with the expediting; the pipeline dips. Q4 is not in yet.
_KPI_VALUES = {
    "2026-Q1": {
        "On-time joint deliveries": (96, 95),
        "Joint pipeline value": (4_300_000, 4_000_000),
        "Sales volume": (126, 120),
        "Unit cost": (41.5, 42),
    },
    "2026-Q2": {
        "On-time joint deliveries": (88, 95),
        "Joint pipeline value": (4_150_000, 4_000_000),
        "Sales volume": (131, 120),
        "Unit cost": (40.8, 42),
    },
    "2026-Q3": {
        "On-time joint deliveries": (84, 95),
        "Joint pipeline value": (3_600_000, 4_000_000),
        "Sales volume": (108, 120),
        "Unit cost": (42.6, 41),
    },
}


def _add_kpis(partnership: Partnership) -> dict[str, int]:
    """The demo's KPIs, created through the KPI service; their ids by name."""
    from partnership.kpis.services import KpiData, create_kpi

    ids: dict[str, int] = {}
    for name, scope, position, function, unit, direction, target, link in _KPIS:
        org = next((o for o in partnership.organizations if o.position == position), None)
        kpi = create_kpi(
            partnership,
            KpiData(
                name=name,
                scope=scope,
                direction=direction,
                target=target,
                unit=unit,
                organization_id=org.id if org else None,
                function=function,
                linked_to_id=ids[link] if link else None,
            ),
        )
        ids[name] = kpi.id
    return ids


def _extend(partnership: Partnership) -> None:
    """Three closed quarters and an open one, with answers that tell the story above."""
    import random

    from partnership.instruments.models import Instrument
    from partnership.instruments.services import ensure_builtins, latest_version
    from partnership.kpis.services import Entry, record_values

    ensure_builtins()
    rng = random.Random(20261123)
    pulse = db.session.scalar(select(Instrument).where(Instrument.builtin_key == "quarterly-pulse"))
    check = db.session.scalar(
        select(Instrument).where(Instrument.builtin_key == "plan-execution-check")
    )
    audit = db.session.scalar(
        select(Instrument).where(Instrument.builtin_key == "partnership-audit")
    )
    assert pulse and check and audit
    stakeholders = list(
        db.session.scalars(select(Stakeholder).where(Stakeholder.partnership_id == partnership.id))
    )
    quarter_start = {"2026-Q1": (1, 12), "2026-Q2": (4, 13), "2026-Q3": (7, 13), "2026-Q4": (11, 9)}
    kpi_ids = _add_kpis(partnership)
    for label, means, answered in _STORY:
        cycle = Cycle(partnership_id=partnership.id, label=label)
        db.session.add(cycle)
        db.session.flush()
        if label in _KPI_VALUES:  # before the surveys close, so their snapshots carry them
            record_values(
                partnership,
                cycle,
                {kpi_ids[name]: Entry(*pair) for name, pair in _KPI_VALUES[label].items()},
                None,
            )
        month, day = quarter_start[label]
        opened = dt.datetime(2026, month, day, 7, 0, tzinfo=dt.UTC)
        is_open = label == "2026-Q4"
        closed = None if is_open else opened + dt.timedelta(days=14)
        version = latest_version(pulse)
        _run_survey(
            partnership,
            cycle,
            pulse,
            version,
            stakeholders,
            opened,
            closed,
            answered,
            lambda item, org, person, means=means: _agreement(rng, means, item, org, person),
            rng,
        )
        if label in _SIGNS:
            ops = [s for s in stakeholders if s.function in ("operations", "procurement")]
            share = _SIGNS[label]
            _run_survey(
                partnership,
                cycle,
                check,
                latest_version(check),
                ops,
                opened,
                closed,
                None,
                lambda item, org, person, share=share: _frequency(rng, share[org], item),
                rng,
            )
        if label == "2026-Q3":
            leaders = [s for s in stakeholders if s.level in ("executive", "manager")]
            _run_survey(
                partnership,
                cycle,
                audit,
                latest_version(audit),
                leaders,
                opened - dt.timedelta(days=7),
                closed,
                None,
                lambda item, org, person, means=means: _agreement(rng, means, item, org, person),
                rng,
            )
        db.session.commit()


def _agreement(rng, means, item, org, person):
    """A 1..5 answer around the quarter's mean for the dimension (reverse items mirrored)."""
    if item.dimension is None:
        mean = sum(m[org] for m in means.values()) / len(means)
    else:
        mean = means.get(item.dimension, (3.5, 3.5))[org]
    if rng.random() < 0.03 and item.allow_na:
        return None
    x = mean + person + rng.gauss(0, 0.6)
    value = min(5, max(1, round(x)))
    return 6 - value if item.is_reverse else value


def _frequency(rng, recurring, item):
    """1 never .. 4 every cycle: mostly 3-4 for a recurring sign, mostly 1-2 otherwise."""
    if rng.random() < (0.8 if item.sign in recurring else 0.15):
        return rng.choice((3, 3, 4))
    return rng.choice((1, 2, 2))


def _run_survey(
    partnership, cycle, instrument, version, people, opened, closed, answered, answer, rng
):
    """Invite `people`, store answers for some of them, close it (freezing its snapshot) unless
    `closed` is None. Invitations and responses are written as a past (surveys.history)."""
    from partnership.surveys.history import (
        Invitee,
        PastResponse,
        record_invitations,
        record_responses,
    )
    from partnership.surveys.models import Survey

    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=instrument.id,
        instrument_version_id=version.id,
        state="open",
        opens_at=opened,
        opened_at=opened,
        closes_at=closed or utcnow() + dt.timedelta(days=21),
    )
    version.is_locked = True
    db.session.add(survey)
    db.session.flush()
    by_org: dict[int, list] = {}
    for person in people:
        by_org.setdefault(person.organization_id, []).append(person)
    invitees: list[Invitee] = []
    responses: list[PastResponse] = []
    for org_index, org in enumerate(partnership.organizations):
        members = by_org.get(org.id, [])
        count = answered[org_index] if answered else round(len(members) * 0.8)
        responders = set(rng.sample(range(len(members)), min(count, len(members))))
        for i, person in enumerate(members):
            used = i in responders
            invitees.append(Invitee(person.id, org.id, person.function, person.level, used))
            if not used:
                continue
            on = opened.date() + dt.timedelta(days=rng.randint(0, 9))
            offset = rng.gauss(0, 0.45)
            answers: dict[int, int | None] = {}
            comments: dict[int, str] = {}
            for item in version.items:
                if item.kind == "comment":
                    if rng.random() < 0.25:
                        comments[item.id] = rng.choice(_COMMENTS[org_index])
                    continue
                if item.kind == "likelihood":
                    value = min(10, max(0, round(rng.gauss(7.2 - org_index * 1.3, 1.8))))
                else:
                    value = answer(item, org_index, offset)
                answers[item.id] = value
            responses.append(
                PastResponse(org.id, person.function, person.level, answers, comments, on)
            )
    record_invitations(survey.id, invitees)
    record_responses(survey.id, responses)
    db.session.flush()
    if closed is not None:
        from partnership.results.services import close_survey

        close_survey(survey, now=closed)
    return survey


_COMMENTS = (
    [
        "Start: a shared roadmap review every month, with Müller's product people in the room.",
        "Stop: changing the release scope after the hardware freeze.",
        "Keep doing the joint customer visits; they are the best hour of the quarter.",
        "Start writing down who decides on firmware trade-offs.",
        "Stop treating the steering committee as a status meeting.",
    ],
    [
        "Stop: feature requests arriving two weeks before production starts.",
        "Start: give our planners a say before Lumen promises dates to customers.",
        "Keep: the weekly call between the two engineering leads works well.",
        "Start telling us early when the software release slips, not on the day.",
        "Stop: three different priority lists for the same quarter.",
    ],
)


def survey_link(base_url: str) -> str | None:
    """A working link for one stakeholder of the open demo survey (a fresh token each run,
    since only hashes are stored)."""
    from partnership.surveys.emails import mint_link
    from partnership.surveys.models import Invitation, Survey

    partnership = db.session.scalar(select(Partnership).where(Partnership.name == DEMO_NAME))
    if partnership is None:
        return None
    invitation = db.session.scalar(
        select(Invitation)
        .join(Survey, Survey.id == Invitation.survey_id)
        .where(
            Survey.partnership_id == partnership.id,
            Survey.state == "open",
            Invitation.is_used.is_(False),
        )
        .order_by(Invitation.id)
        .limit(1)
    )
    if invitation is None:
        return None
    token = mint_link(invitation.id)
    db.session.commit()
    return f"{base_url.rstrip('/')}/s/{token}"
