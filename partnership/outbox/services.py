"""The outbox: emails are rows written inside the business transaction; `send_pending`
delivers them over SMTP afterwards (web requests never talk SMTP)."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import and_, or_, select, update

from partnership.db import affected_rows, utcnow
from partnership.extensions import db
from partnership.outbox.models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
LEASE = dt.timedelta(minutes=5)


def enqueue(*, to: str, subject: str, text: str, key: str, html: str | None = None) -> bool:
    """Add an email to the outbox in the caller's transaction (flush only).

    Returns False when a message with this idempotency key already exists, so a retried use
    case never sends twice.
    """
    exists = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
    if exists is not None:
        return False
    db.session.add(
        OutboxMessage(
            idempotency_key=key, to_address=to, subject=subject, body_text=text, body_html=html
        )
    )
    db.session.flush()
    return True


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8, 16 minutes between tries."""
    return dt.timedelta(minutes=2 ** max(0, attempts - 1))


def _claim(now: dt.datetime, limit: int) -> list[OutboxMessage]:
    due = or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now),
    )
    ids = db.session.scalars(
        select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit)
    ).all()
    claimed: list[OutboxMessage] = []
    for msg_id in ids:
        # Compare-and-set: only one sender wins a row, even with several running.
        won = affected_rows(
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == msg_id, due)
                .values(
                    status="sending", lease_until=now + LEASE, attempts=OutboxMessage.attempts + 1
                )
            )
        )
        if won:
            claimed.append(db.session.get(OutboxMessage, msg_id))  # type: ignore[arg-type]
    db.session.commit()
    return claimed


def build_message(msg: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = msg.to_address
    email["Subject"] = msg.subject
    domain = sender.rsplit("@", 1)[-1].strip(">") or "localhost"
    email["Message-ID"] = make_msgid(idstring=msg.idempotency_key.replace(":", "."), domain=domain)
    email.set_content(msg.body_text)
    if msg.body_html:
        email.add_alternative(msg.body_html, subtype="html")
    return email


def _smtp(config: dict[str, Any]) -> smtplib.SMTP:
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    timeout = float(config["SMTP_TIMEOUT"])
    security = (config.get("SMTP_SECURITY") or "none").lower()
    if security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USERNAME"):
        smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
    return smtp


@db.writes
def send_pending(
    config: dict[str, Any], *, now: dt.datetime | None = None, limit: int = 200
) -> dict[str, int]:
    """Deliver due outbox rows. Without an SMTP host in development, print them instead.

    Returns counts of sent and failed messages.
    """
    now = now or utcnow()
    claimed = _claim(now, limit)
    counts = {"sent": 0, "failed": 0, "retry": 0}
    if not claimed:
        return counts
    print_only = not config.get("SMTP_HOST")
    smtp: smtplib.SMTP | None = None
    try:
        for msg in claimed:
            try:
                email = build_message(msg, config["MAIL_FROM"])
                if print_only:
                    sys.stdout.write(
                        f"\n----- email (no SMTP configured) -----\nTo: {msg.to_address}\n"
                        f"Subject: {msg.subject}\n\n{msg.body_text}\n--------------------\n"
                    )
                    sys.stdout.flush()
                else:
                    if smtp is None:
                        smtp = _smtp(config)
                    smtp.send_message(email)
                msg.status, msg.sent_at, msg.lease_until, msg.last_error = (
                    "sent",
                    utcnow(),
                    None,
                    None,
                )
                counts["sent"] += 1
            except (OSError, smtplib.SMTPException) as exc:
                smtp = None
                msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                msg.lease_until = None
                if msg.attempts >= MAX_ATTEMPTS:
                    msg.status = "failed"
                    counts["failed"] += 1
                else:
                    msg.status = "pending"
                    msg.next_attempt_at = now + backoff(msg.attempts)
                    counts["retry"] += 1
                log.warning("email %s not delivered (attempt %s): %s", msg.id, msg.attempts, exc)
            db.session.commit()
    finally:
        if smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
    return counts
