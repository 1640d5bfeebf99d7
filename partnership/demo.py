"""The demo partnership: a software company and a hardware manufacturer a year into their
partnership (see README). Loading is idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from partnership.accounts.models import User
from partnership.accounts.services import create_user
from partnership.extensions import db
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import PartnershipData, create_partnership

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


def load_demo(password: str) -> str:
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
        from partnership.partnerships.models import Stakeholder

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
    return (
        "Demo partnership ready: " + DEMO_NAME + "\n"
        f"Coach login: email {COACH_EMAIL}  password: {password}"
    )


def _extend(partnership: Partnership) -> None:
    """Later features add their demo data here (surveys, results)."""
