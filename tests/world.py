"""Builds one of every kind of child row for a partnership, so route-walking tests can fill in
every id argument. Each later feature adds its rows here."""

from __future__ import annotations

from sqlalchemy import select

from partnership.extensions import db
from partnership.partnerships.models import Stakeholder


def build_children(partnership) -> dict[str, object]:  # type: ignore[no-untyped-def]
    ids: dict[str, object] = {"partnership_id": partnership.id}
    stakeholder = db.session.scalar(
        select(Stakeholder).where(Stakeholder.partnership_id == partnership.id)
    )
    if stakeholder is None:
        from tests.factories import make_stakeholders

        stakeholder = make_stakeholders(partnership, 1, 0)[0]
    ids["stakeholder_id"] = stakeholder.id
    return ids
