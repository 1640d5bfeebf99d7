"""The brief's email, rendered by the outbox sender at delivery.

"briefs.issued": one issued version to one steering member, with the PDF attached and a link
to the brief's page (sign-in needed, no token), where earlier versions are and where they
acknowledge it. Nothing once the account is deactivated or no longer on the partnership's
steering committee.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template

from partnership.accounts.models import User
from partnership.briefs.models import BriefVersion
from partnership.briefs.services import BRIEF_EMAIL, steering_membership
from partnership.extensions import db
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import Attachment, Email, renders
from partnership.partnerships.models import Partnership
from partnership.surveys.models import Cycle
from partnership.timefmt import long_when

SUBJECT_MAX = 300


def pdf_filename(partnership: Partnership, cycle: Cycle, version: BriefVersion) -> str:
    """ "brief-2026-Q3-v2.pdf": ASCII only, so every mail program shows it."""
    label = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in cycle.label)
    return f"brief-{label}-v{version.number}.pdf"


@renders(BRIEF_EMAIL, label="Steering committee brief")
def render_brief(msg: OutboxMessage, now: dt.datetime) -> Email | None:
    version = db.session.get(BriefVersion, msg.params.get("version_id"))
    user = db.session.get(User, msg.user_id) if msg.user_id is not None else None
    if version is None or user is None or not user.is_active:
        return None
    partnership = db.session.get(Partnership, version.partnership_id)
    cycle = db.session.get(Cycle, version.cycle_id)
    if partnership is None or cycle is None or steering_membership(partnership, user) is None:
        return None
    base = str(msg.params.get("base_url") or current_app.config["BASE_URL"]).rstrip("/")
    link = f"{base}/partnerships/{partnership.id}/cycles/{cycle.id}/brief"
    context = {
        "name": user.name,
        "partnership": partnership,
        "cycle": cycle,
        "version": version,
        "as_of": long_when(version.as_of, partnership.timezone),
        "link": link,
    }
    subject = (
        f"{partnership.name}: steering committee brief {cycle.label} (version {version.number})"
    )
    return Email(
        to=user.email,
        subject=" ".join(subject.split())[:SUBJECT_MAX],
        text=render_template("emails/brief.txt", **context),
        html=render_template("emails/brief.html", **context),
        attachments=(
            Attachment(pdf_filename(partnership, cycle, version), "application/pdf", version.pdf),
        ),
    )
