from __future__ import annotations

import re

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.partnerships.models import Membership, Partnership, Stakeholder
from tests.builders.basics import (
    login,
    make_partnership,
    make_stakeholders,
    make_user,
    steering_membership,
)

FORM = {
    "name": "Nordlicht × São Paulo Devices",
    "description": "Joint product line",
    "start_date": "2025-10-01",
    "timezone": "America/Sao_Paulo",
    "org_a_name": "Nordlicht Software",
    "org_a_code": "NRD",
    "org_b_name": "São Paulo Devices",
    "org_b_code": "SPD",
    "functions": "sales, operations, planning, finance",
    "min_group": "5",
}


def test_coach_creates_edits_and_lists_a_partnership(client, app):
    coach = make_user()
    login(client, coach)
    response = client.post("/partnerships/new", data=FORM)
    assert response.status_code == 302
    partnership = db.session.scalar(select(Partnership))
    assert partnership.name == FORM["name"]
    assert [o.name for o in partnership.organizations] == [
        "Nordlicht Software",
        "São Paulo Devices",
    ]
    assert partnership.functions == ["sales", "operations", "planning", "finance"]
    assert db.session.scalar(select(Membership.user_id)) == coach.id
    listing = client.get("/partnerships").get_data(as_text=True)
    assert "São Paulo Devices" in listing
    edited = client.post(
        f"/partnerships/{partnership.id}/edit", data=dict(FORM, name="Renamed", min_group="7")
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert partnership.name == "Renamed" and partnership.min_group == 7


def test_invalid_partnership_form_rerenders_and_stores_nothing(client, app):
    login(client, make_user())
    response = client.post("/partnerships/new", data=dict(FORM, org_b_code="NRD", min_group="2"))
    assert response.status_code == 400
    assert (
        b"between 3 and 50" in response.data or b"Number must be between 3 and 50" in response.data
    )
    assert db.session.scalar(select(func.count()).select_from(Partnership)) == 0
    same_codes = client.post("/partnerships/new", data=dict(FORM, org_b_code="nrd"))
    assert same_codes.status_code == 400
    assert b"different short codes" in same_codes.data
    assert db.session.scalar(select(func.count()).select_from(Partnership)) == 0


def test_coach_sees_only_own_partnerships_admin_sees_all(app):
    a, b, admin = make_user(), make_user(), make_user(role="admin")
    make_partnership(a, name="Mine")
    make_partnership(b, name="Theirs")
    ca = app.test_client()
    login(ca, a)
    page = ca.get("/partnerships").get_data(as_text=True)
    assert "Mine" in page and "Theirs" not in page
    cadm = app.test_client()
    login(cadm, admin)
    page = cadm.get("/partnerships").get_data(as_text=True)
    assert "Mine" in page and "Theirs" in page


def test_admin_adds_a_coach_who_then_sees_the_partnership(app):
    owner, other, admin = make_user(), make_user(), make_user(role="admin")
    partnership = make_partnership(owner, name="Shared one")
    c = app.test_client()
    login(c, other)
    assert c.get(f"/partnerships/{partnership.id}").status_code == 404
    cadm = app.test_client()
    login(cadm, admin)
    assert (
        cadm.post(
            f"/partnerships/{partnership.id}/coaches", data={"email": other.email}
        ).status_code
        == 302
    )
    assert c.get(f"/partnerships/{partnership.id}").status_code == 200
    # A plain coach may not add coaches.
    assert (
        c.post(f"/partnerships/{partnership.id}/coaches", data={"email": owner.email}).status_code
        == 403
    )


def test_archived_partnership_is_hidden_and_read_only(client, app):
    coach = make_user()
    partnership = make_partnership(coach, name="Old deal")
    login(client, coach)
    assert client.post(f"/partnerships/{partnership.id}/archive").status_code == 302
    assert "Old deal" not in client.get("/partnerships").get_data(as_text=True)
    assert "Old deal" in client.get("/partnerships?archived=1").get_data(as_text=True)
    assert client.get(f"/partnerships/{partnership.id}/edit").status_code == 403
    assert (
        client.post(
            f"/partnerships/{partnership.id}/stakeholders/new",
            data={
                "name": "X",
                "email": "x@example.org",
                "organization_id": partnership.org_a.id,
                "function": "sales",
                "level": "manager",
            },
        ).status_code
        == 403
    )
    assert db.session.scalar(select(func.count()).select_from(Stakeholder)) == 0


def test_add_edit_and_deactivate_stakeholder(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    data = {
        "name": "Jürgen Weiß",
        "email": "Juergen.Weiss@Beta.example",
        "organization_id": str(partnership.org_b.id),
        "function": "operations",
        "level": "manager",
        "is_active": "y",
    }
    assert (
        client.post(f"/partnerships/{partnership.id}/stakeholders/new", data=data).status_code
        == 302
    )
    person = db.session.scalar(select(Stakeholder))
    assert person.email == "juergen.weiss@beta.example"
    dup = client.post(
        f"/partnerships/{partnership.id}/stakeholders/new",
        data=dict(data, email="juergen.weiss@beta.example"),
    )
    assert (
        dup.status_code == 400
        and b"juergen.weiss@beta.example is already a stakeholder" in dup.data
    )
    edit = client.post(
        f"/partnerships/{partnership.id}/stakeholders/{person.id}/edit",
        data=dict(data, level="executive"),
    )
    assert edit.status_code == 302
    client.post(
        f"/partnerships/{partnership.id}/stakeholders/{person.id}/active", data={"active": "0"}
    )
    db.session.expire_all()
    assert person.level == "executive" and person.is_active is False
    page = client.get(f"/partnerships/{partnership.id}/stakeholders").get_data(as_text=True)
    assert "Jürgen Weiß" in page and "Inactive" in page


def test_functions_in_use_cannot_be_removed(client, app):
    coach = make_user()
    partnership = make_partnership(coach)
    make_stakeholders(partnership, 1, 0, function="procurement")
    login(client, coach)
    form = dict(FORM, functions="sales, operations")
    response = client.post(f"/partnerships/{partnership.id}/edit", data=form)
    assert response.status_code == 400
    assert b"still used by stakeholders: procurement" in response.data


def test_erasing_a_stakeholder_removes_invitations_and_emails_but_keeps_anonymous_answers(
    client, app
):
    from partnership.outbox.models import OutboxMessage
    from partnership.outbox.services import enqueue
    from partnership.surveys.emails import INVITATION, REMINDER
    from partnership.surveys.models import Answer, Invitation, InvitationToken, Response
    from tests.builders.world import build_children

    coach = make_user()
    partnership = make_partnership(coach)
    ids = build_children(partnership)
    person = db.session.get(Stakeholder, ids["stakeholder_id"])
    other = Stakeholder(
        partnership_id=partnership.id,
        organization_id=person.organization_id,
        name="Stays",
        email="stays@a.example",
        function=person.function,
        level=person.level,
    )
    db.session.add(other)
    used = Invitation(
        survey_id=ids["survey_id"],
        stakeholder_id=person.id,
        organization_id=person.organization_id,
        function=person.function,
        level=person.level,
        is_used=True,
    )
    db.session.add(used)
    db.session.flush()
    db.session.add(InvitationToken(token_hash="f" * 64, invitation_id=used.id))
    for key, kind, who, status in (
        ("invite:x:1", INVITATION, person, "sent"),
        ("remind:x:1:1", REMINDER, person, "pending"),
        ("invite:x:2", INVITATION, other, "sent"),
    ):
        enqueue(kind, key=key, to=who.email, stakeholder_id=who.id, status=status)
    db.session.commit()
    answers_before = db.session.scalar(select(func.count()).select_from(Answer))
    login(client, coach)
    confirm = client.get(f"/partnerships/{partnership.id}/stakeholders/{person.id}/erase")
    assert b"Erase for good" in confirm.data
    assert db.session.get(Stakeholder, person.id) is not None  # GET changes nothing
    person_id, person_email = person.id, person.email
    response = client.post(f"/partnerships/{partnership.id}/stakeholders/{person_id}/erase")
    assert response.status_code == 302
    assert db.session.get(Stakeholder, person_id) is None
    # the used invitation stays as an anonymous count: nobody, no link
    (left,) = db.session.scalars(select(Invitation)).all()
    assert left.stakeholder_id is None and left.is_used
    assert db.session.scalars(select(InvitationToken)).all() == []
    # their emails are gone, delivered or pending; other people's stay
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert [r.to_address for r in rows] == ["stays@a.example"]
    assert person_email not in str([(r.to_address, r.params) for r in rows])
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == answers_before


def test_a_steering_member_gets_a_results_first_navigation_without_the_raw_data(client):
    coach, member = make_user(), make_user()
    partnership = make_partnership(coach)
    db.session.add(steering_membership(partnership, member, partnership.org_b))
    db.session.commit()
    login(client, member)
    html = client.get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    nav = html.split('aria-label="Partnership"')[1].split("</nav>")[0]
    labels = re.findall(r">([^<>]+)</a>", nav)
    assert labels == [
        "Overview",
        "Results",
        "Trends",
        "KPIs",
        "Issues &amp; actions",
        "Cycles &amp; surveys",
    ]
    assert "New partnership" not in client.get("/partnerships").get_data(as_text=True)
    assert client.get("/partnerships/new").status_code == 403
    assert client.get(f"/partnerships/{partnership.id}/stakeholders.csv").status_code == 403
