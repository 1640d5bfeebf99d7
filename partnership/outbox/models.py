from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from partnership.db import Base, UTCDateTime, utcnow

OUTBOX_STATES = ("pending", "sending", "sent", "failed", "cancelled")


class OutboxMessage(Base):
    """An email to send, written in the same transaction as the change that caused it; a
    sender delivers it after commit. The idempotency key doubles as the Message-ID, so a
    retried delivery is recognisable as the same message.

    A row never holds a usable link: it records what the email is about (`kind`, the
    stakeholder or user it goes to, and non-secret `params` such as an invitation id), and
    the renderer registered for its kind (`partnership.outbox.services.renders`) writes the
    email at delivery time, minting any token then and storing only its hash. No body is kept:
    a delivered row keeps recipient, subject, status and times until `flask outbox purge`
    removes it after the retention period (OUTBOX_RETENTION_DAYS).
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="status"
        ),
        Index("ix_outbox_messages_kind_to_address_created_at", "kind", "to_address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: Which renderer writes the email, e.g. "survey.invitation", "account.password_reset".
    kind: Mapped[str] = mapped_column(String(60))
    to_address: Mapped[str] = mapped_column(String(254))
    #: Filled in by the renderer at delivery.
    subject: Mapped[str] = mapped_column(String(300), default="")
    #: Non-secret references and parameters the renderer reads (ids, the base URL, a round).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The person the email is about: erasing a stakeholder removes their rows, pending and
    #: delivered (also through ON DELETE CASCADE).
    stakeholder_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True, nullable=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=True
    )
    #: The partnership the email belongs to (its coaches see it on the outbox page); None for
    #: account emails such as a password reset.
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True, nullable=True
    )
    #: pending -> sending (claimed, with a lease) -> sent | pending again (retry) | failed;
    #: cancelled when the renderer finds the email no longer applies (the invitation was used,
    #: the survey closed, the reset link was voided) or for a request that sends nothing.
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A claimed row whose lease expired (the sender died) is claimed again.
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When it was delivered.
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
