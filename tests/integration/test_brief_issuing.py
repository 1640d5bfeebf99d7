"""Issuing the brief: stored versions with their SHA-256, earlier versions downloadable, every
download in the access log, one email per steering member and version with the PDF attached,
acknowledgements that open the move to Learn; and who may do what."""

from __future__ import annotations

import datetime as dt
import hashlib
import html

from sqlalchemy import func, select

from partnership.briefs.models import BriefVersion
from partnership.extensions import db
from partnership.governance import services as governance
from partnership.governance import stages
from partnership.governance.models import Issue
from partnership.outbox.models import OutboxMessage
from partnership.results.models import AccessLog
from partnership.surveys.models import Cycle
from tests.builders.basics import (
    login,
    make_partnership,
    make_user,
    steering_membership,
    text_of,
)
from tests.builders.governance import close_quarter
from tests.mail import deliver


def committee(partnership):  # type: ignore[no-untyped-def]
    """Two steering members for Alpha, one for Beta."""
    people = {
        "ana": make_user(name="Ana Łukasiewicz", email="ana@alpha.example"),
        "jo": make_user(name="Jo Müller", email="jo@alpha.example"),
        "zoe": make_user(name="Zoë Conceição", email="zoe@beta.example"),
    }
    db.session.add(steering_membership(partnership, people["ana"]))
    db.session.add(steering_membership(partnership, people["jo"]))
    db.session.add(steering_membership(partnership, people["zoe"], partnership.org_b))
    db.session.commit()
    return people


def world():  # type: ignore[no-untyped-def]
    coach = make_user(name="Rita Coach")
    partnership = make_partnership(coach)
    survey = close_quarter(partnership, "2026-Q2")
    cycle = db.session.get(Cycle, survey.cycle_id)
    return coach, partnership, cycle, committee(partnership)


def brief_url(partnership, cycle, tail: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/partnerships/{partnership.id}/cycles/{cycle.id}/brief{tail}"


def sign_in(client, user) -> None:  # type: ignore[no-untyped-def]
    """Sign out whoever is signed in on ``client``, then sign ``user`` in."""
    client.post("/logout")
    login(client, user)


def words(response) -> str:  # type: ignore[no-untyped-def]
    """The page's text as a reader sees it (entities decoded, no bdi marks)."""
    return html.unescape(text_of(response.get_data(as_text=True)))


def downloads(partnership) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(
        select(func.count(AccessLog.id)).where(
            AccessLog.partnership_id == partnership.id, AccessLog.action == "brief.download"
        )
    )


def test_a_coach_issues_versions_each_emailed_once_to_each_steering_member(app, client):
    coach, partnership, cycle, people = world()
    login(client, coach)
    page = client.get(f"/partnerships/{partnership.id}/cycles/{cycle.id}").get_data(as_text=True)
    assert "Issue the brief" in page

    issued = client.post(brief_url(partnership, cycle, "/issue"))
    assert issued.status_code == 302
    first = db.session.scalars(select(BriefVersion)).one()
    assert first.number == 1 and first.issued_by_name == "Rita Coach"
    assert first.sha256 == hashlib.sha256(first.pdf).hexdigest()
    assert first.pdf.startswith(b"%PDF")
    mails = deliver(app)
    assert sorted(m.to for m in mails) == sorted(p.email for p in people.values())
    for mail in mails:
        assert "steering committee brief 2026-Q2 (version 1)" in mail.subject
        assert brief_url(partnership, cycle) in mail.text
        assert mail.attachments == (("brief-2026-Q2-v1.pdf", "application/pdf", first.pdf),)

    # a second version: emailed again, once per member; the first stays as it was
    assert client.post(brief_url(partnership, cycle, "/issue")).status_code == 302
    again = deliver(app)
    assert sorted(m.to for m in again) == sorted(p.email for p in people.values())
    assert all("(version 2)" in m.subject for m in again)
    assert deliver(app) == []
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 6

    page = client.get(brief_url(partnership, cycle)).get_data(as_text=True)
    assert page.index("v2.pdf") < page.index("v1.pdf")
    old = client.get(brief_url(partnership, cycle, "/v1.pdf"))
    assert old.status_code == 200 and old.mimetype == "application/pdf"
    assert old.data == first.pdf
    assert 'filename="brief-2026-Q2-v1.pdf"' in old.headers["Content-Disposition"]
    assert client.get(brief_url(partnership, cycle, "/v3.pdf")).status_code == 404
    assert downloads(partnership) == 1
    log = client.get(f"/partnerships/{partnership.id}/access-log").get_data(as_text=True)
    assert "Brief downloaded" in log and "version 1" in log


def test_acknowledgements_of_both_organizations_open_the_move_to_learn(app, client):
    coach, partnership, cycle, people = world()
    governance.move_stage(cycle, "adapt", coach)
    for issue in db.session.scalars(select(Issue).where(Issue.cycle_id == cycle.id)):
        governance.record_decision(issue, "Accepted for this quarter.", coach)
    governance.move_stage(cycle, "communicate", coach)
    check = stages.guard(cycle)
    assert check.to == "learn" and check.missing == (
        "No brief has been issued for this cycle yet: issue it from the cycle page.",
    )
    login(client, coach)
    client.post(brief_url(partnership, cycle, "/issue"))
    assert stages.guard(cycle).missing == (
        "Brief version 1 awaits the acknowledgement of a steering member of Alpha Software "
        "and of Beta Hardware.",
    )
    # a coach reads it but does not acknowledge: only the committee does
    refused = client.post(brief_url(partnership, cycle, "/v1/acknowledge"), follow_redirects=True)
    assert "Only the partnership's steering members acknowledge its brief." in words(refused)
    assert "I have read version 1" not in refused.get_data(as_text=True)

    sign_in(client, people["ana"])
    page = client.get(brief_url(partnership, cycle)).get_data(as_text=True)
    assert "I have read version 1" in page and "Issue a new version" not in page
    assert client.post(brief_url(partnership, cycle, "/issue")).status_code == 403
    assert client.post(brief_url(partnership, cycle, "/v1/acknowledge")).status_code == 302
    assert client.post(brief_url(partnership, cycle, "/v1/acknowledge")).status_code == 302
    assert stages.guard(cycle).missing == (
        "Brief version 1 awaits the acknowledgement of a steering member of Beta Hardware.",
    )
    sign_in(client, people["zoe"])
    assert client.get(brief_url(partnership, cycle, "/v1.pdf")).status_code == 200
    assert client.post(brief_url(partnership, cycle, "/v1/acknowledge")).status_code == 302
    assert stages.guard(cycle).ok
    page = client.get(brief_url(partnership, cycle)).get_data(as_text=True)
    assert "You acknowledged version 1" in page
    assert "Ana Łukasiewicz" in page and "Zoë Conceição" in page
    governance.move_stage(cycle, "learn", coach)
    assert db.session.get(Cycle, cycle.id).stage == "learn"
    assert downloads(partnership) == 1


def test_a_new_version_needs_its_own_acknowledgements(app, client):
    coach, partnership, cycle, people = world()
    login(client, coach)
    client.post(brief_url(partnership, cycle, "/issue"))
    for who in ("ana", "zoe"):
        sign_in(client, people[who])
        client.post(brief_url(partnership, cycle, "/v1/acknowledge"))
    assert stages.brief_acknowledged(cycle)[0]
    sign_in(client, coach)
    client.post(brief_url(partnership, cycle, "/issue"))
    assert not stages.brief_acknowledged(cycle)[0]
    sign_in(client, people["zoe"])
    stale = client.post(brief_url(partnership, cycle, "/v1/acknowledge"), follow_redirects=True)
    assert "A newer version of this brief was issued" in words(stale)


def test_other_partnerships_get_404_and_nothing_is_issued_without_results(app, client):
    coach, partnership, cycle, _ = world()
    login(client, coach)
    client.post(brief_url(partnership, cycle, "/issue"))
    stranger = make_user()
    make_partnership(stranger)
    sign_in(client, stranger)
    for url in (brief_url(partnership, cycle), brief_url(partnership, cycle, "/v1.pdf")):
        assert client.get(url).status_code == 404
    for tail in ("/issue", "/v1/acknowledge"):
        assert client.post(brief_url(partnership, cycle, tail)).status_code == 404
    assert downloads(partnership) == 0

    sign_in(client, coach)
    empty = Cycle(
        partnership_id=partnership.id,
        label="2026-Q3",
        starts_on=dt.date(2026, 7, 1),
        ends_on=dt.date(2026, 9, 30),
    )
    db.session.add(empty)
    db.session.commit()
    refused = client.post(brief_url(partnership, empty, "/issue"), follow_redirects=True)
    assert "no closed survey with results yet" in words(refused)
    assert db.session.scalar(select(func.count(BriefVersion.id))) == 1


def test_the_scheduler_issues_the_brief_of_cycles_in_communicate_only_when_asked(app, runner):
    from tests.builders.schedule import tick

    coach, partnership, cycle, people = world()
    governance.move_stage(cycle, "adapt", coach)
    for issue in db.session.scalars(select(Issue).where(Issue.cycle_id == cycle.id)):
        governance.record_decision(issue, "Accepted for this quarter.", coach)
    governance.move_stage(cycle, "communicate", coach)
    when = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
    assert "off (PARTNERSHIP_BRIEFS_AUTO_ISSUE)" in tick(runner, when).output
    assert db.session.scalar(select(func.count(BriefVersion.id))) == 0

    app.config["BRIEFS_AUTO_ISSUE"] = True
    assert "issued 1 brief" in tick(runner, when).output
    assert "issued 0 briefs" in tick(runner, when + dt.timedelta(minutes=5)).output
    version = db.session.scalars(select(BriefVersion)).one()
    assert version.issued_by_name == "Partnership Pulse" and version.as_of == when
    assert sorted(m.to_address for m in db.session.scalars(select(OutboxMessage))) == sorted(
        p.email for p in people.values()
    )
