"""The demo partnership: a software company and a hardware manufacturer a year into their
partnership (see README). Loading is idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from partnership.accounts.models import User
from partnership.accounts.services import create_user
from partnership.db import utcnow
from partnership.extensions import db
from partnership.partnerships.models import Membership, Partnership, Stakeholder
from partnership.partnerships.services import PartnershipData, create_partnership
from partnership.surveys.models import Cycle

COACH_EMAIL = "coach@example.org"
#: One steering member per organization (A, then B): email and name.
STEERING_MEMBERS = [
    ("steering.lumen@example.org", "Amara Lindqvist"),
    ("steering.mueller@example.org", "Jörg Weißmann"),
]
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
    """(name, email, function, level) for `count` people. Functions and levels rotate in the
    proportions of a real partnership team (many in product and operations, few in finance
    and leadership), so most breakdown groups are large enough to be shown and a few are
    withheld (privacy threshold 5)."""
    functions = [
        "product",
        "operations",
        "sales",
        "procurement",
        "product",
        "operations",
        "finance",
        "sales",
        "product",
        "operations",
        "procurement",
        "leadership",
    ]
    levels = [
        "individual",
        "manager",
        "individual",
        "executive",
        "individual",
        "manager",
        "individual",
        "executive",
    ]
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
        coach = create_user(COACH_EMAIL, "Rita Conceição", password)
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
            (partnership.org_a, 80, 0, "lumen"),
            (partnership.org_b, 80, 7, "mueller"),
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
        _governance_story(partnership, coach)
    _steering_committee(partnership, password)
    lines = [
        "Demo partnership ready: " + DEMO_NAME,
        f"Coach login: email {COACH_EMAIL}  password: {password}",
    ]
    for (email, _name), org in zip(STEERING_MEMBERS, partnership.organizations, strict=True):
        lines.append(f"Steering member ({org.name}) login: email {email}  password: {password}")
    link = playback_link(base_url)
    if link:
        lines.append(
            f"A stakeholder's own link (quarter 2026-Q3, closed) opens the results playback: {link}"
        )
    return "\n".join(lines)


def _steering_committee(partnership: Partnership, password: str) -> None:
    """One steering member per organization, with the demo password (idempotent)."""
    for (email, name), org in zip(STEERING_MEMBERS, partnership.organizations, strict=True):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(email, name, password)
        exists = db.session.scalar(
            select(Membership.id).where(
                Membership.partnership_id == partnership.id, Membership.user_id == user.id
            )
        )
        if exists is None:
            db.session.add(
                Membership(
                    partnership_id=partnership.id,
                    user_id=user.id,
                    role="steering",
                    organization_id=org.id,
                )
            )
    db.session.commit()


# The story, quarter by quarter: mean answer (1..5 scale, before reverse keying) per dimension
# for Lumen (A) and Müller (B), and how many of each side answered. Execution and market pull
# apart through Q2 and Q3 while Müller's participation falls; the Q3 audit finds the friction;
# Q4, just closed, recovers: the execution gap the joint team worked on closes, the market gap
# narrows but not yet enough.
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
        (67, 66),
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
        (64, 51),
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
        (64, 40),
    ),
    (
        "2026-Q4",
        {
            "cultural": (3.7, 3.5),
            "market": (3.7, 3.1),
            "execution": (3.6, 3.3),
            "governance": (3.6, 3.4),
            "communication": (3.7, 3.4),
        },
        (60, 54),
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
# (its target cut to 41) rises with the expediting; the pipeline dips. Q4: deliveries recover
# to 94% (still off target: amber, two cycles running), unit cost close to its target.
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
    "2026-Q4": {
        "On-time joint deliveries": (94, 95),
        "Joint pipeline value": (4_050_000, 4_000_000),
        "Sales volume": (119, 120),
        "Unit cost": (41.4, 41),
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
        closed = opened + dt.timedelta(days=14)
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


def playback_link(base_url: str) -> str | None:
    """A stakeholder's own link to the playback of the demo's 2026-Q3 (a fresh token each run,
    since only hashes are stored): what an invited person reads after the quarter."""
    from partnership.surveys.emails import mint_link
    from partnership.surveys.models import Invitation, Survey

    partnership = db.session.scalar(select(Partnership).where(Partnership.name == DEMO_NAME))
    if partnership is None:
        return None
    invitation = db.session.scalar(
        select(Invitation)
        .join(Survey, Survey.id == Invitation.survey_id)
        .join(Cycle, Cycle.id == Survey.cycle_id)
        .where(
            Survey.partnership_id == partnership.id,
            Cycle.label == "2026-Q3",
            Survey.state == "closed",
            Invitation.stakeholder_id.is_not(None),
        )
        .order_by(Invitation.id)
        .limit(1)
    )
    if invitation is None:
        return None
    with db.writing():
        token = mint_link(invitation.id)
    return f"{base_url.rstrip('/')}/s/{token}/playback"


# --- the Continuous Alignment Model, quarter by quarter ---------------------------------------
#
# Q1 runs its turn without a red signal. Q2's escalations and reds become issues: a redesign of
# the KPIs that pull against the shared one, a joint team on execution (whose gap has closed by
# Q4), a monthly joint plan review; the rest decided. Q3 escalates: executive alignment on the
# market gap (overdue now, the gap not closed yet); decisions refer the rest to what runs.
# Each quarter leaves a lesson; Q2 and Q3 sent their playback; Q4, just closed, is in Adapt.

_LESSONS = {
    "2026-Q1": (
        "A quiet first quarter: scores high on both sides, no red signal.",
        "Answering the pulse in a team meeting gave Müller's frontline a voice.",
        "We read the results in the steering meeting without deciding anything.",
        "governance",
        ["steering", "participation"],
    ),
    "2026-Q2": (
        "Unit cost hit its target while joint deliveries slipped to 88%.",
        "Linking the local KPIs to the shared one made the trade-off visible in one table.",
        "Müller's big batches looked good locally and hurt the partnership for a whole quarter.",
        "execution",
        ["kpi", "local optimization"],
    ),
    "2026-Q3": (
        "The market and execution gaps widened; Müller's participation fell to half.",
        "The audit named the friction points in the partners' own words.",
        "Feature requests still arrived two weeks before production starts.",
        "market",
        ["roadmap", "escalation", "audit"],
    ),
    "2026-Q4": (
        "The joint team closed the execution gap within two quarters.",
        "One backlog and one planning review for both sides.",
        "The market view still differs: executive alignment started late.",
        "execution",
        ["joint team", "roadmap"],
    ),
}


def _at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 8, 30, tzinfo=dt.UTC)


def _issue(cycle: Cycle, rule: str, subject: str, builtin_key: str):
    from partnership.governance.models import Issue
    from partnership.instruments.models import Instrument

    return db.session.scalar(
        select(Issue)
        .join(Instrument, Instrument.id == Issue.instrument_id)
        .where(
            Issue.cycle_id == cycle.id,
            Issue.rule == rule,
            Issue.subject == subject,
            Instrument.builtin_key == builtin_key,
        )
    )


def _publish_playback(cycle: Cycle, message: str, coach: User, when: dt.datetime) -> None:
    """The playback as it was published then (the demo writes the past: no emails now)."""
    from partnership.governance.models import Playback
    from partnership.governance.playback import playback_data, recipients
    from partnership.governance.records import record

    with db.writing():
        db.session.add(
            Playback(
                partnership_id=cycle.partnership_id,
                cycle_id=cycle.id,
                message=message,
                data=playback_data(cycle, message),
                recipients=len(recipients(cycle)),
                published_by_id=coach.id,
                published_at=when,
            )
        )
        record(
            cycle.partnership_id,
            "published",
            coach,
            cycle_id=cycle.id,
            at=when,
            body="Playback published to everyone invited.",
        )


def _flagged_overdue(action, when: dt.datetime) -> None:
    """The scheduler's overdue flag as it was set then (its email long delivered)."""
    from partnership.governance.records import record

    with db.writing():
        action.overdue_flagged_on = action.due_on
        record(
            action.partnership_id,
            "overdue",
            None,
            cycle_id=action.cycle_id,
            action_id=action.id,
            body=f"Past its due date, {action.due_on}.",
            at=when,
        )


def _decide_the_rest(cycle: Cycle, coach: User, text: str, when: dt.datetime) -> None:
    from partnership.governance import stages
    from partnership.governance.services import record_decision

    for issue in stages.unhandled_red_issues(cycle):
        record_decision(issue, text, coach, now=when)


def _governance_story(partnership: Partnership, coach: User) -> None:
    """Each quarter's turn through the governance services, at the dates it happened."""
    from partnership.governance import services as gov
    from partnership.governance.services import ActionData, LessonData

    cycles = {
        c.label: c
        for c in db.session.scalars(select(Cycle).where(Cycle.partnership_id == partnership.id))
    }
    lumen, mueller = partnership.org_a, partnership.org_b
    q1, q2, q3, q4 = (cycles[label] for label in ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"))

    def lesson(cycle: Cycle, when: dt.datetime) -> None:
        happened, worked, failed, dimension, tags = _LESSONS[cycle.label]
        gov.add_lesson(
            cycle, LessonData(happened, worked, failed, dimension, tags), coach, now=when
        )

    # Q1: a calm turn
    gov.move_stage(q1, "adapt", coach, now=_at(1, 27))
    gov.move_stage(q1, "communicate", coach, now=_at(2, 3))
    gov.move_stage(
        q1, "learn", coach, now=_at(2, 17), note="Results shared in both town halls on 12 February."
    )
    lesson(q1, _at(2, 20))
    gov.move_stage(q1, "done", coach, now=_at(2, 24))

    # Q2: local optimization and a widening execution gap
    gov.move_stage(q2, "adapt", coach, now=_at(4, 28))
    kpi = _issue(
        q2, "KPI", f"kpi:{_kpi_id(partnership, 'On-time joint deliveries')}", "quarterly-pulse"
    )
    redesign = gov.action_from_suggestion(kpi, "b-kpi-redesign", coach, now=_at(4, 30))
    gov.update_action(
        redesign,
        ActionData(
            redesign.title, redesign.description, None, mueller.id, coach.id, dt.date(2026, 6, 30)
        ),
        coach,
    )
    gov.set_action_status(
        redesign,
        "done",
        "Unit cost now linked to on-time deliveries, with a shared target.",
        coach,
        now=_at(7, 8),
    )
    execution = _issue(q2, "GAP", "dimension:execution", "quarterly-pulse")
    team = gov.action_from_suggestion(execution, "b-joint-team", coach, now=_at(4, 30))
    gov.update_action(
        team,
        ActionData(
            team.title, team.description, "execution", lumen.id, coach.id, dt.date(2026, 9, 30)
        ),
        coach,
    )
    gov.set_action_status(team, "in_progress", "", coach, now=_at(5, 15))
    gov.add_progress_note(
        team,
        "Team of six named, three from each side; one backlog since June.",
        coach,
        now=_at(6, 20),
    )
    gov.set_action_status(
        team,
        "done",
        "The team now runs as the product line's delivery team.",
        coach,
        now=_at(10, 2),
    )
    demand = _issue(q2, "MULTIPLE_AMBER", "dimension:demand", "plan-execution-check")
    plan = gov.action_from_suggestion(demand, "b-joint-plan-review", coach, now=_at(4, 30))
    gov.update_action(
        plan,
        ActionData(plan.title, plan.description, None, mueller.id, coach.id, dt.date(2026, 7, 15)),
        coach,
    )
    gov.set_action_status(
        plan, "done", "First joint review held on 9 July; monthly since.", coach, now=_at(7, 10)
    )
    _decide_the_rest(
        q2,
        coach,
        "Covered by the monthly joint plan review and the KPI redesign agreed this quarter.",
        _at(5, 5),
    )
    gov.move_stage(q2, "communicate", coach, now=_at(5, 6))
    _publish_playback(
        q2,
        "Thank you for answering. Both sides see the same slip in joint "
        "deliveries; here is what we will do about it.",
        coach,
        _at(5, 7),
    )
    gov.move_stage(
        q2, "learn", coach, now=_at(5, 20), note="Discussed at the steering committee of 19 May."
    )
    lesson(q2, _at(6, 2))
    gov.move_stage(q2, "done", coach, now=_at(6, 3))

    # Q3: escalations, the audit
    gov.move_stage(q3, "adapt", coach, now=_at(7, 28))
    market = _issue(q3, "GAP", "dimension:market", "quarterly-pulse")
    alignment = gov.action_from_suggestion(market, "b-executive-alignment", coach, now=_at(7, 30))
    gov.update_action(
        alignment,
        ActionData(
            alignment.title,
            alignment.description,
            "market",
            lumen.id,
            coach.id,
            dt.date(2026, 11, 30),
        ),
        coach,
    )
    gov.set_action_status(alignment, "in_progress", "", coach, now=_at(9, 1))
    gov.add_progress_note(
        alignment,
        "Calls held on 1 and 15 September; October's were skipped.",
        coach,
        now=_at(10, 20),
    )
    _flagged_overdue(alignment, _at(12, 1))
    gov.comment_on_issue(
        market,
        "Müller's sales people hear about Lumen's roadmap from customers first.",
        coach,
        now=_at(7, 29),
    )
    _decide_the_rest(
        q3,
        coach,
        "Followed by the joint team and the joint plan review agreed in "
        "Q2, and by the executive alignment agreed this quarter.",
        _at(8, 4),
    )
    gov.move_stage(q3, "communicate", coach, now=_at(8, 5))
    _publish_playback(
        q3,
        "Thank you for answering, and for the open comments in the audit. "
        "The gaps widened this quarter; this is what changes now.",
        coach,
        _at(8, 6),
    )
    gov.move_stage(
        q3,
        "learn",
        coach,
        now=_at(8, 25),
        note="Brief discussed at the steering committee of 24 August.",
    )
    lesson(q3, _at(9, 3))
    gov.move_stage(q3, "done", coach, now=_at(9, 4))

    # Q4: just closed; the committee is agreeing its actions
    gov.move_stage(q4, "adapt", coach, now=_at(11, 24))
    lesson(q4, _at(11, 26))
    _steering_story(partnership, coach)


def _steering_story(partnership: Partnership, coach: User) -> None:
    """The Q4 steering committee: a question put to it, and its meeting planned with the
    agenda the records call for (generated on the day it was planned)."""
    from partnership.steering import decisions, meetings

    decisions.save_decision(
        partnership,
        decisions.DecisionData(
            "Does Lumen share its roadmap with Müller's sales before customers see it?",
            status="requested",
            options=[
                "Monthly roadmap preview for Müller's sales leads",
                "Joint roadmap with a shared release calendar",
                "Keep today's practice",
            ],
            trade_offs=["margin"],
        ),
        coach,
        now=_at(11, 25),
    )
    meetings.create_meeting(
        partnership,
        meetings.MeetingData("Q4 steering committee", dt.date(2026, 12, 9), []),
        coach,
        now=_at(11, 27),
    )


def _kpi_id(partnership: Partnership, name: str) -> int:
    from partnership.kpis.models import Kpi

    kpi_id = db.session.scalar(
        select(Kpi.id).where(Kpi.partnership_id == partnership.id, Kpi.name == name)
    )
    assert kpi_id is not None
    return int(kpi_id)
