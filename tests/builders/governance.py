"""Builders for governance tests: a quarter's pulse closed through the one close use case,
and the issue keys its snapshot should raise."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from partnership.extensions import db
from partnership.governance.models import Issue
from partnership.results.services import close_survey, current_snapshot
from partnership.surveys.models import Survey
from tests.builders.pulse import build_closed_survey, make_pulse_instrument

#: When the builders' quarters close unless told otherwise.
CLOSED_AT = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)


def close_quarter(
    partnership,  # type: ignore[no-untyped-def]
    label: str,
    *,
    seed: int = 7,
    shift: float = 0.0,
    attitudes: dict[str, dict[str, float]] | None = None,
    when: dt.datetime = CLOSED_AT,
) -> Survey:
    """A pulse survey of the quarter with answers (Alpha ahead of Beta on execution unless
    ``attitudes`` says otherwise), closed through the one close use case (issues included)."""
    pulse = make_pulse_instrument(partnership)
    survey = build_closed_survey(
        partnership,
        instrument=pulse,
        label=label,
        seed=seed,
        shift=shift,
        attitudes=attitudes,
        state="open",
    ).survey
    close_survey(survey, now=when)
    return survey


def subject_of(signal: dict) -> str:  # type: ignore[type-arg]
    if signal.get("dimension"):
        return f"dimension:{signal['dimension']}"
    if signal.get("kpi_id") is not None:
        return f"kpi:{signal['kpi_id']}"
    return ""


def expected_keys(survey: Survey) -> set[tuple[str, str]]:
    """(rule, subject) of every red signal and escalation of the survey's current snapshot."""
    data = current_snapshot(survey).data
    keys = {(s["rule"], subject_of(s)) for s in data["signals"] if s["severity"] == "red"}
    for e in data["escalations"]:
        if e["kind"] == "multiple_amber":
            keys.add(("MULTIPLE_AMBER", subject_of(e)))
        elif e.get("rule"):
            keys.add((e["rule"], subject_of(e)))
    return keys


def issue_keys(cycle_id: int) -> set[tuple[str, str]]:
    return {
        (i.rule, i.subject)
        for i in db.session.scalars(select(Issue).where(Issue.cycle_id == cycle_id))
    }


# --- a quarter run over HTTP, as a coach and the stakeholders would ---------------------------

#: Typical answers (1..5, favourable direction) per organization and dimension.
WIDE_EXECUTION_GAP = {
    "A": {"cultural": 4, "market": 4, "execution": 5, "governance": 4, "communication": 4},
    "B": {"cultural": 4, "market": 4, "execution": 2, "governance": 4, "communication": 4},
}
EXECUTION_GAP_CLOSED = {
    "A": {"cultural": 4, "market": 4, "execution": 4, "governance": 4, "communication": 4},
    "B": {"cultural": 4, "market": 4, "execution": 4, "governance": 4, "communication": 4},
}


def location_id(response, marker: str) -> int:  # type: ignore[no-untyped-def]
    """The id after ``/<marker>/`` in a redirect's Location."""
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:800]
    location = response.headers["Location"]
    return int(location.split(f"/{marker}/")[1].split("/")[0].split("?")[0].split("#")[0])


def pulse_answers(
    version_items: list,  # type: ignore[type-arg]
    typical: dict[str, int],
    person: int,
) -> dict[str, str]:
    """A stakeholder's form: each scored item around the organization's typical answer for
    its dimension (reverse items mirrored), a small spread between persons."""
    data: dict[str, str] = {}
    for item in version_items:
        name = f"item-{item.id}"
        if item.kind == "agreement":
            base = typical.get(item.dimension or "", 4)
            x = max(1, min(5, base + (person % 3 == 0) - (person % 3 == 1 and base > 1)))
            data[name] = str(6 - x if item.is_reverse else x)
        elif item.kind == "likelihood":
            data[name] = "7"
    return data


def run_quarter(app, client, partnership, label: str, attitudes: dict[str, dict[str, int]]):  # type: ignore[no-untyped-def]
    """Over HTTP: the coach (signed in on ``client``) creates the cycle, plans and opens the
    quarterly pulse; every invited stakeholder answers through the link in their email, with
    ``attitudes`` per organization; the coach closes the survey. Returns (cycle id, survey
    id)."""
    from partnership.instruments.models import Instrument, InstrumentVersion, Item
    from partnership.instruments.services import ensure_builtins
    from partnership.partnerships.models import Stakeholder
    from tests.mail import deliver

    ensure_builtins()
    db.session.commit()
    base = f"/partnerships/{partnership.id}"
    cycle_id = location_id(client.post(base + "/cycles/new", data={"label": label}), "cycles")
    pulse = db.session.scalars(
        select(Instrument).where(Instrument.builtin_key == "quarterly-pulse")
    ).one()
    created = client.post(f"{base}/cycles/{cycle_id}/surveys/new", data={"instrument_id": pulse.id})
    survey_id = location_id(created, "surveys")
    survey_url = f"{base}/cycles/{cycle_id}/surveys/{survey_id}"
    assert client.post(survey_url + "/open").status_code == 302
    survey = db.session.get(Survey, survey_id)
    version = db.session.get(InstrumentVersion, survey.instrument_version_id)
    items = list(db.session.scalars(select(Item).where(Item.version_id == version.id)))
    org_of = {
        s.email: ("A" if s.organization_id == partnership.org_a.id else "B")
        for s in db.session.scalars(
            select(Stakeholder).where(Stakeholder.partnership_id == partnership.id)
        )
    }
    sent = [m for m in deliver(app) if m.to in org_of]
    assert sent
    for n, mail in enumerate(sent):
        answers = pulse_answers(items, attitudes[org_of[mail.to]], n)
        assert client.post(f"/s/{mail.token}", data=answers).status_code == 303
    assert client.post(survey_url + "/close").status_code == 302
    db.session.expire_all()
    return cycle_id, survey_id


def add_member(partnership, user, role: str = "steering") -> None:  # type: ignore[no-untyped-def]
    """Make ``user`` a member of the partnership: a steering member for organization A, or a
    coach."""
    from partnership.partnerships.models import Membership
    from tests.builders.basics import steering_membership

    if role == "steering":
        db.session.add(steering_membership(partnership, user))
    else:
        db.session.add(Membership(partnership_id=partnership.id, user_id=user.id, role="coach"))
    db.session.commit()
