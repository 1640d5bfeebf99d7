"""Small factories for test data; each commits through the same services the app uses."""

from __future__ import annotations

import itertools

from partnership.accounts.models import User
from partnership.accounts.services import create_user
from partnership.extensions import db
from partnership.partnerships.models import Membership, Organization, Partnership, Stakeholder
from partnership.partnerships.services import PartnershipData, create_partnership

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_user(role: str = "coach", email: str | None = None, name: str | None = None) -> User:
    """An account; `role="admin"` makes it an admin. Coach or steering member is a membership's
    role: see `make_partnership` (its creator coaches it) and `steering_membership`."""
    n = next(_seq)
    return create_user(
        email or f"user{n}@example.org", name or f"User {n}", PASSWORD, is_admin=role == "admin"
    )


def steering_membership(
    partnership: Partnership, user: User, organization: Organization | None = None
) -> Membership:
    """A (not yet added) membership making `user` a steering member of the partnership for
    `organization` (default: organization A)."""
    org = organization or partnership.org_a
    return Membership(
        partnership_id=partnership.id, user_id=user.id, role="steering", organization_id=org.id
    )


def make_partnership(
    owner: User | None = None, name: str | None = None, **kw: object
) -> Partnership:
    owner = owner or make_user()
    n = next(_seq)
    data = PartnershipData(
        name=name or f"Partnership {n}",
        description="A test partnership",
        start_date=None,
        timezone=str(kw.pop("timezone", "Europe/Berlin")),
        org_a_name=str(kw.pop("org_a_name", "Alpha Software")),
        org_a_code="ALP",
        org_b_name=str(kw.pop("org_b_name", "Beta Hardware")),
        org_b_code="BET",
        min_group=int(kw.pop("min_group", 5)),
    )
    return create_partnership(owner, data)


def make_stakeholders(
    partnership: Partnership,
    count_a: int,
    count_b: int,
    *,
    function: str = "operations",
    level: str = "individual",
) -> list[Stakeholder]:
    rows = []
    for org, count in ((partnership.org_a, count_a), (partnership.org_b, count_b)):
        for i in range(count):
            n = next(_seq)
            rows.append(
                Stakeholder(
                    partnership_id=partnership.id,
                    organization_id=org.id,
                    name=f"Person {n}",
                    email=f"p{n}.{i}@{org.short_code.lower()}.example",
                    function=function,
                    level=level,
                )
            )
    db.session.add_all(rows)
    db.session.commit()
    return rows


def text_of(html: str) -> str:
    """A page's HTML without the <bdi> elements that isolate user text, for assertions on
    the words a reader sees."""
    return html.replace("<bdi>", "").replace("</bdi>", "")


def login(client, user: User, password: str = PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response
