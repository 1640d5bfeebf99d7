"""Issuing the steering-committee brief: versions, downloads, the email to the committee and
its acknowledgements.

- ``issue_brief``: build the cycle's brief as of now (``briefs.data``), render it
  (``briefs.render``), store it as the cycle's next version with its SHA-256, and write one
  email per steering member to the outbox (key: version and member, so each is emailed once
  per version). The PDF is built before the writing transaction begins, so the database is
  not held while ReportLab works.
- ``download``: a version's PDF, logged in the partnership's access log (who, which, when).
- ``acknowledge``: a steering member's "read it" on the latest version. The move from
  Communicate to Learn waits until a steering member of each organization acknowledged the
  latest version (``brief_acknowledged``, registered with the stage guards).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from partnership.accounts.models import User
from partnership.briefs.models import BriefAcknowledgement, BriefVersion
from partnership.db import utcnow
from partnership.errors import Conflict, NotFound, Refused
from partnership.extensions import db
from partnership.governance import stages
from partnership.outbox.services import enqueue
from partnership.partnerships.models import Membership, Partnership
from partnership.results.services import log_access
from partnership.surveys.models import Cycle

log = logging.getLogger(__name__)

BRIEF_EMAIL = "briefs.issued"
DOWNLOAD = "brief.download"


def _partnership(cycle: Cycle) -> Partnership:
    partnership = db.session.get(Partnership, cycle.partnership_id)
    assert partnership is not None
    return partnership


def versions(cycle: Cycle) -> list[BriefVersion]:
    """The cycle's issued versions, newest first."""
    return list(
        db.session.scalars(
            select(BriefVersion)
            .where(BriefVersion.cycle_id == cycle.id)
            .order_by(BriefVersion.number.desc())
        )
    )


def latest_version(cycle: Cycle) -> BriefVersion | None:
    found = versions(cycle)
    return found[0] if found else None


def version_of(cycle: Cycle, number: int) -> BriefVersion:
    """Version ``number`` of the cycle's brief; NotFound otherwise."""
    version = db.session.scalar(
        select(BriefVersion).where(BriefVersion.cycle_id == cycle.id, BriefVersion.number == number)
    )
    if version is None:
        raise NotFound("There is no such version of this brief.")
    return version


def previous_as_of(partnership: Partnership, before: dt.datetime) -> dt.datetime | None:
    """The date of the partnership's last brief issued before ``before`` (any cycle): where
    "since the last brief" starts."""
    return db.session.scalar(
        select(func.max(BriefVersion.as_of)).where(
            BriefVersion.partnership_id == partnership.id, BriefVersion.as_of < before
        )
    )


def steering_members(partnership: Partnership) -> list[tuple[User, Membership]]:
    """The partnership's steering members with an active account, by name."""
    rows = db.session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.partnership_id == partnership.id,
            Membership.role == "steering",
            User.is_active.is_(True),
        )
        .order_by(User.name, User.id)
    ).all()
    return [(u, m) for u, m in rows]


def steering_membership(partnership: Partnership, user: User) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.partnership_id == partnership.id,
            Membership.user_id == user.id,
            Membership.role == "steering",
        )
    )


def issue_brief(cycle: Cycle, user: User | None, *, now: dt.datetime | None = None) -> BriefVersion:
    """Issue the cycle's brief as of ``now``: its next version, stored with the PDF and its
    SHA-256, and one email per steering member (once per version and member). Refused while
    the cycle has no closed survey with results. Commits."""
    from partnership.briefs import frozen, html
    from partnership.briefs.data import build_brief
    from partnership.briefs.render import render_pdf

    now = now or utcnow()
    partnership = _partnership(cycle)
    if partnership.is_archived:
        raise Refused("This partnership is archived: it is read-only.")
    author = user.name if user is not None else "Partnership Pulse"
    brief = build_brief(
        cycle, as_of=now, previous_as_of=previous_as_of(partnership, now), author=author
    )
    pdf = render_pdf(brief)
    page = frozen.dumps(html.page(brief))
    try:
        with db.writing():
            number = (
                db.session.scalar(
                    select(func.max(BriefVersion.number)).where(BriefVersion.cycle_id == cycle.id)
                )
                or 0
            ) + 1
            version = BriefVersion(
                partnership_id=partnership.id,
                cycle_id=cycle.id,
                number=number,
                as_of=now,
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
                pdf=pdf,
                page=page,
                issued_by_id=user.id if user is not None else None,
                issued_by_name=author,
                issued_at=now,
            )
            db.session.add(version)
            db.session.flush()
            for member, _ in steering_members(partnership):
                enqueue(
                    BRIEF_EMAIL,
                    key=f"brief:{version.id}:user:{member.id}",
                    to=member.email,
                    user_id=member.id,
                    partnership_id=partnership.id,
                    params={"version_id": version.id},
                    now=now,
                )
    except IntegrityError:
        raise Conflict("Another version of this brief was issued at the same moment; reload.")
    log.info("cycle %s: brief version %s issued", cycle.id, version.number)
    return version


def download(version: BriefVersion, user: User | None) -> bytes:
    """The version's PDF, with a row in the access log. Commits."""
    with db.writing():
        partnership = db.session.get(Partnership, version.partnership_id)
        cycle = db.session.get(Cycle, version.cycle_id)
        assert partnership is not None and cycle is not None
        log_access(
            partnership,
            user=user,
            action=DOWNLOAD,
            subject=f"brief of cycle {cycle.id} · {cycle.label} · version {version.number}",
        )
    return version.pdf


def acknowledge(version: BriefVersion, user: User, *, now: dt.datetime | None = None) -> bool:
    """A steering member acknowledges the latest version of the cycle's brief (for the
    organization they represent). Idempotent: False when they already had. Commits."""
    with db.writing():
        partnership = db.session.get(Partnership, version.partnership_id)
        cycle = db.session.get(Cycle, version.cycle_id)
        assert partnership is not None and cycle is not None
        membership = steering_membership(partnership, user)
        if membership is None:
            raise Refused("Only the partnership's steering members acknowledge its brief.")
        latest = latest_version(cycle)
        if latest is None or latest.id != version.id:
            raise Refused(
                "A newer version of this brief was issued: read and acknowledge that one."
            )
        done = db.session.scalar(
            select(BriefAcknowledgement.id).where(
                BriefAcknowledgement.version_id == version.id,
                BriefAcknowledgement.user_id == user.id,
            )
        )
        if done is not None:
            return False
        db.session.add(
            BriefAcknowledgement(
                version_id=version.id,
                user_id=user.id,
                user_name=user.name,
                organization_id=getattr(membership, "organization_id", None),
                acknowledged_at=now or utcnow(),
            )
        )
    log.info("brief version %s acknowledged by user %s", version.id, user.id)
    return True


@dataclass(frozen=True)
class Ack:
    name: str
    organization: str | None
    at: dt.datetime


@dataclass
class VersionRow:
    version: BriefVersion
    acks: list[Ack] = field(default_factory=list)
    acknowledged_by: set[int] = field(default_factory=set)


def version_rows(cycle: Cycle) -> list[VersionRow]:
    """The cycle's versions, newest first, each with its acknowledgements."""
    partnership = _partnership(cycle)
    names = {o.id: o.name for o in partnership.organizations}
    rows = [VersionRow(v) for v in versions(cycle)]
    by_id = {r.version.id: r for r in rows}
    if by_id:
        for ack in db.session.scalars(
            select(BriefAcknowledgement)
            .where(BriefAcknowledgement.version_id.in_(list(by_id)))
            .order_by(BriefAcknowledgement.acknowledged_at, BriefAcknowledgement.id)
        ):
            row = by_id[ack.version_id]
            row.acks.append(
                Ack(ack.user_name, names.get(ack.organization_id or 0), ack.acknowledged_at)
            )
            if ack.user_id is not None:
                row.acknowledged_by.add(ack.user_id)
    return rows


@stages.acknowledges_briefs
def brief_acknowledged(cycle: Cycle) -> tuple[bool, str]:
    """Whether the cycle's latest brief was acknowledged by a steering member of each
    organization, and if not what is missing, in words (the guard of the move to Learn)."""
    latest = latest_version(cycle)
    if latest is None:
        return False, "No brief has been issued for this cycle yet: issue it from the cycle page."
    partnership = _partnership(cycle)
    acked = set(
        db.session.scalars(
            select(BriefAcknowledgement.organization_id).where(
                BriefAcknowledgement.version_id == latest.id
            )
        )
    )
    waiting = [o.name for o in partnership.organizations if o.id not in acked]
    if not waiting:
        return True, ""
    return (
        False,
        f"Brief version {latest.number} awaits the acknowledgement of a steering member of "
        + " and of ".join(waiting)
        + ".",
    )


def issue_due_briefs(*, now: dt.datetime | None = None) -> list[BriefVersion]:
    """The scheduler's optional brief build (``BRIEFS_AUTO_ISSUE``): every cycle that reached
    Communicate without a brief gets its first version, issued by "the scheduler" and emailed
    to its committee. A cycle whose brief cannot be built yet is left for the coach. Each
    issue commits on its own."""
    cycles = db.session.scalars(
        select(Cycle)
        .join(Partnership, Partnership.id == Cycle.partnership_id)
        .where(
            Cycle.stage == "communicate",
            Partnership.is_archived.is_(False),
            ~select(BriefVersion.id).where(BriefVersion.cycle_id == Cycle.id).exists(),
        )
        .order_by(Cycle.id)
    ).all()
    issued = []
    for cycle in cycles:
        try:
            issued.append(issue_brief(cycle, None, now=now))
        except Refused as exc:
            db.session.rollback()
            log.info("cycle %s: no brief issued (%s)", cycle.id, exc)
    return issued
