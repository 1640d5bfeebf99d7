"""The steering committee: a coach invites, re-invites and removes members; the invitation's
one-time link arrives by email; a partnership always keeps a coach."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from partnership.accounts.models import PasswordResetToken, User
from partnership.extensions import db
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import send_pending
from partnership.partnerships.models import Membership
from partnership.tokens import hash_token
from tests.builders.basics import (
    PASSWORD,
    login,
    make_partnership,
    make_user,
    steering_membership,
    text_of,
)
from tests.mail import deliver, parts

WELCOME = re.compile(r"/welcome/([A-Za-z0-9_-]{40,})")


def _members_url(partnership) -> str:
    return f"/partnerships/{partnership.id}/coaches"


def _invite(client, partnership, **data):
    form = {"name": "Noor Haddad", "email": "noor@beta.example", "organization": "B", **data}
    return client.post(f"/partnerships/{partnership.id}/committee", data=form)


def _memberships(partnership) -> list[tuple[str, str, int | None]]:
    rows = db.session.execute(
        select(User.email, Membership.role, Membership.organization_id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership.id)
        .order_by(User.email)
    ).all()
    return [tuple(r) for r in rows]


def test_a_new_member_is_invited_in_the_ui_sets_a_password_and_reads_results_first(
    app, client, smtp_server
):
    coach = make_user(name="Clara Coach")
    partnership = make_partnership(coach, org_b_name="Beta Hardware")
    login(client, coach)
    page = text_of(client.get(_members_url(partnership)).get_data(as_text=True))
    assert "No steering member represents Beta Hardware yet" in page

    response = _invite(client, partnership)
    assert response.status_code == 302
    page = text_of(client.get(_members_url(partnership)).get_data(as_text=True))
    assert "Noor Haddad is invited" in page and "noor@beta.example" in page
    assert "No steering member represents Beta Hardware" not in page
    assert "never" in page  # last login

    assert send_pending(app.config)["sent"] == 1
    (message,) = smtp_server.wait_for(1)
    text, _html = parts(message)
    assert str(message["To"]) == "noor@beta.example"
    assert "steering committee" in text and "Beta Hardware" in text
    token = WELCOME.search(text).group(1)
    # The link is stored only as its hash.
    assert db.session.scalar(
        select(func.count())
        .select_from(PasswordResetToken)
        .where(PasswordResetToken.token_hash == hash_token(token))
    )

    member = app.test_client()
    # No password yet: nobody logs in as the invited account.
    assert member.post("/login", data={"email": "noor@beta.example", "password": ""}).status_code
    welcome = member.get(f"/welcome/{token}")
    assert welcome.status_code == 200 and "Welcome: choose your password" in text_of(
        welcome.get_data(as_text=True)
    )
    set_password = member.post(
        f"/welcome/{token}", data={"new_password": PASSWORD, "confirm": PASSWORD}
    )
    assert set_password.status_code == 302
    assert member.get(f"/welcome/{token}").status_code == 404  # once
    assert (
        member.post("/login", data={"email": "noor@beta.example", "password": PASSWORD}).status_code
        == 302
    )
    overview = member.get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    nav = overview.split('aria-label="Partnership"')[1].split("</nav>")[0]
    assert re.findall(r">([^<>]+)</a>", nav)[:3] == ["Overview", "Results", "Trends"]
    assert "Stakeholders" not in nav
    assert member.get(f"/partnerships/{partnership.id}/results").status_code == 200
    assert member.get(f"/partnerships/{partnership.id}/stakeholders").status_code == 403
    assert member.get(_members_url(partnership)).status_code == 403

    page = text_of(client.get(_members_url(partnership)).get_data(as_text=True))
    assert "never" not in page.split("Beta Hardware")[-1]  # the last login shows now


def test_an_existing_account_is_added_and_told_without_a_link(app, client):
    coach, other_coach = make_user(), make_user(name="Omar Other")
    partnership = make_partnership(coach)
    make_partnership(other_coach)
    login(client, coach)
    assert _invite(client, partnership, email=other_coach.email.upper()).status_code == 302
    assert (other_coach.email, "steering", partnership.org_b.id) in _memberships(partnership)
    (mail,) = deliver(app)
    assert mail.to == other_coach.email
    assert "/login" in mail.text and "/welcome/" not in mail.text
    # They coach their own partnership and read this one as a steering member.
    reader = app.test_client()
    login(reader, other_coach)
    assert reader.get(f"/partnerships/{partnership.id}/results").status_code == 200
    assert reader.get(f"/partnerships/{partnership.id}/thresholds").status_code == 403


def test_bad_invitations_change_nothing(client):
    coach = make_user()
    partnership = make_partnership(coach)
    login(client, coach)
    before = _memberships(partnership)
    response = _invite(client, partnership, organization="C")
    assert response.status_code == 400
    response = _invite(client, partnership, email=coach.email)
    assert response.status_code == 400
    assert "is already a coach of this partnership" in text_of(response.get_data(as_text=True))
    response = _invite(client, partnership, name="")
    assert response.status_code == 400
    assert _memberships(partnership) == before
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_remove_and_invite_again_and_the_last_coach_stays(app, client):
    coach, admin = make_user(), make_user(role="admin")
    partnership = make_partnership(coach)
    member = make_user(name="Sam Steering")
    db.session.add(steering_membership(partnership, member))
    db.session.commit()
    base = f"/partnerships/{partnership.id}/members"
    login(client, coach)

    assert client.post(f"{base}/{member.id}/reinvite").status_code == 302
    (mail,) = deliver(app)
    assert mail.to == member.email and "/login" in mail.text

    # A coach manages the committee, not the coaches.
    assert client.post(f"{base}/{coach.id}/remove").status_code == 403
    assert client.post(f"{base}/{member.id}/remove").status_code == 302
    assert member.email not in [e for e, _r, _o in _memberships(partnership)]
    reader = app.test_client()
    login(reader, member)
    assert reader.get(f"/partnerships/{partnership.id}/results").status_code == 404

    admin_client = app.test_client()
    login(admin_client, admin)
    response = admin_client.post(f"{base}/{coach.id}/remove", follow_redirects=True)
    assert "A partnership always keeps at least one coach." in text_of(
        response.get_data(as_text=True)
    )
    assert _memberships(partnership) == [(coach.email, "coach", None)]


def test_the_cli_invites_a_steering_member(app, runner):
    coach = make_user()
    partnership = make_partnership(coach)
    result = runner.invoke(
        args=[
            "accounts",
            "invite-steering",
            "--partnership",
            str(partnership.id),
            "--email",
            "Ines@Alpha.example",
            "--name",
            "Inês Duarte",
            "--organization",
            "a",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Invited ines@alpha.example as a steering member" in result.output
    assert ("ines@alpha.example", "steering", partnership.org_a.id) in _memberships(partnership)
    (mail,) = deliver(app)
    assert WELCOME.search(mail.text)

    again = runner.invoke(
        args=[
            "accounts",
            "invite-steering",
            "--partnership",
            "999999",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--organization",
            "B",
        ]
    )
    assert again.exit_code == 1 and "No partnership with id 999999" in again.output
