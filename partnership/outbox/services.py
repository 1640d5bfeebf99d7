"""The outbox: the one way every email is sent.

A use case writes a row with `enqueue` inside its own transaction: what the email is about
(`kind`, the stakeholder or user, non-secret `params`), never its text. After commit a sender
(`send_pending`, run by `flask outbox send`) claims due rows with a compare-and-set and a
lease, and asks the renderer registered for the row's kind to write the email *now*. A
renderer that needs a link mints the token then, stores only its hash (flush) and returns the
email; the sender commits the hash, sends, and marks the row sent, keeping recipient, subject,
status and times, never the body. So no usable link rests in the database: a crash between
minting and sending leaves at worst a link that reached nobody, and the retry mints another.

Each domain registers its kinds with `@renders("<domain>.<what>")` in the module that writes
its emails (surveys: invitation, reminder, test invitation; accounts: password reset). A
renderer returns None when the email no longer applies (the invitation was used, the survey
closed, the person was deactivated): the row is then cancelled. `purge` removes finished rows
after the retention period (OUTBOX_RETENTION_DAYS, 30 by default; `flask outbox purge`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from partnership.db import affected_rows, utcnow
from partnership.extensions import db
from partnership.outbox.models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
LEASE = dt.timedelta(minutes=5)
RETENTION_DAYS = 30
FINISHED = ("sent", "failed", "cancelled")


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (e.g. a brief's PDF)."""

    filename: str
    content_type: str  # "application/pdf"
    data: bytes


@dataclass(frozen=True)
class Email:
    """What a renderer returns: the email as it is sent now. Exists only in memory."""

    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()


#: A renderer gets the claimed row and the sender's clock; it may add rows (a token's hash)
#: with flush only, and returns the email, or None when it no longer applies.
Renderer = Callable[[OutboxMessage, dt.datetime], Email | None]
#: Sends one built message (SMTP by default; tests and tools may pass their own).
Transport = Callable[[EmailMessage], None]

_RENDERERS: dict[str, Renderer] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one kind of email: `@renders("surveys.reminder")`."""

    def register(renderer: Renderer) -> Renderer:
        if _RENDERERS.get(kind, renderer) is not renderer:
            raise ValueError(f"a renderer for {kind!r} is already registered")
        _RENDERERS[kind] = renderer
        return renderer

    return register


def registered_kinds() -> list[str]:
    return sorted(_RENDERERS)


def enqueue(
    kind: str,
    *,
    key: str,
    to: str,
    params: dict[str, Any] | None = None,
    stakeholder_id: int | None = None,
    user_id: int | None = None,
    status: str = "pending",
) -> bool:
    """Add an email to the outbox in the caller's transaction (flush only). `params` must hold
    nothing secret: ids and settings the renderer reads at delivery.

    Returns False when a message with this idempotency key already exists, so a retried use
    case never sends twice. `status="cancelled"` records a request that sends nothing (a
    password reset for an unknown address does the same work as one for a real account).
    """
    if kind not in _RENDERERS:
        raise ValueError(f"no renderer is registered for {kind!r}")
    exists = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
    if exists is not None:
        return False
    db.session.add(
        OutboxMessage(
            idempotency_key=key,
            kind=kind,
            to_address=to,
            subject="",
            params=dict(params or {}),
            stakeholder_id=stakeholder_id,
            user_id=user_id,
            status=status,
        )
    )
    db.session.flush()
    return True


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8, 16 minutes between tries."""
    return dt.timedelta(minutes=2 ** max(0, attempts - 1))


@db.writes
def _claim(now: dt.datetime, limit: int) -> list[int]:
    due = or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now),
    )
    ids = db.session.scalars(
        select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit)
    ).all()
    claimed: list[int] = []
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
            claimed.append(msg_id)
    db.session.commit()
    return claimed


def build_message(msg: OutboxMessage, email: Email, sender: str) -> EmailMessage:
    """The MIME message of a rendered email; the idempotency key is in the Message-ID."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    domain = sender.rsplit("@", 1)[-1].strip(">") or "localhost"
    message["Message-ID"] = make_msgid(
        idstring=msg.idempotency_key.replace(":", "."), domain=domain
    )
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


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


class _SmtpTransport:
    """One SMTP connection for a pass, opened on first use and re-opened after an error."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def __call__(self, message: EmailMessage) -> None:
        try:
            if self.smtp is None:
                self.smtp = _smtp(self.config)
            self.smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
            self.smtp = None


def _print_transport(message: EmailMessage) -> None:
    """Development without an SMTP host: the email goes to the terminal."""
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    sys.stdout.write(
        f"\n----- email (no SMTP configured) -----\nTo: {message['To']}\n"
        f"Subject: {message['Subject']}\n\n{text}\n--------------------\n"
    )
    sys.stdout.flush()


def _retry_or_fail(msg: OutboxMessage, now: dt.datetime, error: str) -> str:
    msg.last_error = error[:2000]
    msg.lease_until = None
    if msg.attempts >= MAX_ATTEMPTS:
        msg.status = "failed"
        return "failed"
    msg.status = "pending"
    msg.next_attempt_at = now + backoff(msg.attempts)
    return "retry"


@db.writes
def _deliver(msg_id: int, now: dt.datetime, sender: str, transport: Transport) -> str:
    """Render, commit the minted hashes, send, mark. Returns the count it belongs to."""
    msg = db.session.get(OutboxMessage, msg_id)
    if msg is None:  # erased meanwhile
        return "cancelled"
    renderer = _RENDERERS.get(msg.kind)
    try:
        if renderer is None:
            raise LookupError(f"no renderer is registered for {msg.kind!r}")
        email = renderer(msg, now)
    except Exception as exc:  # a broken renderer must not stop the other emails
        db.session.rollback()  # drops any token it minted
        log.exception("email %s (%s) could not be rendered", msg_id, msg.kind)
        msg = db.session.get(OutboxMessage, msg_id)
        assert msg is not None
        outcome = _retry_or_fail(msg, now, f"{type(exc).__name__}: {exc}")
        db.session.commit()
        return outcome
    if email is None:
        msg.status, msg.lease_until = "cancelled", None
        db.session.commit()
        return "cancelled"
    msg.to_address, msg.subject = email.to, email.subject
    # The minted token's hash is stored before the email leaves: a link that was sent always
    # works; a crash from here on leaves at worst a link that reached nobody.
    db.session.commit()
    try:
        transport(build_message(msg, email, sender))
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("email %s not delivered (attempt %s): %s", msg.id, msg.attempts, exc)
        outcome = _retry_or_fail(msg, now, f"{type(exc).__name__}: {exc}")
        db.session.commit()
        return outcome
    msg.status, msg.sent_at, msg.lease_until, msg.last_error = "sent", utcnow(), None, None
    db.session.commit()
    return "sent"


def send_pending(
    config: dict[str, Any],
    *,
    now: dt.datetime | None = None,
    limit: int = 200,
    transport: Transport | None = None,
) -> dict[str, int]:
    """Deliver due outbox rows: over SMTP (PARTNERSHIP_SMTP_*), to the terminal in development
    without an SMTP host, or through `transport`.

    Returns counts of sent, retried, failed and cancelled messages.
    """
    now = now or utcnow()
    counts = {"sent": 0, "failed": 0, "retry": 0, "cancelled": 0}
    claimed = _claim(now, limit)
    if not claimed:
        return counts
    smtp = None
    if transport is None:
        if config.get("SMTP_HOST"):
            smtp = _SmtpTransport(config)
            transport = smtp
        else:
            transport = _print_transport
    try:
        for msg_id in claimed:
            counts[_deliver(msg_id, now, config["MAIL_FROM"], transport)] += 1
    finally:
        if smtp is not None:
            smtp.close()
    return counts


@db.writes
def purge(*, retention_days: int = RETENTION_DAYS, now: dt.datetime | None = None) -> int:
    """Delete finished rows (sent, failed, cancelled) written more than `retention_days` ago.
    Commits; returns how many went."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    gone = affected_rows(
        db.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status.in_(FINISHED), OutboxMessage.created_at < cutoff
            )
        )
    )
    db.session.commit()
    return int(gone or 0)


def recent_count(kind: str, to: str, since: dt.datetime) -> int:
    """Rows of a kind written for an address since a moment (flush-free read), e.g. to limit
    password-reset emails per account."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.kind == kind,
                OutboxMessage.to_address == to,
                OutboxMessage.created_at >= since,
            )
        )
        or 0
    )


def cancel_pending(kind: str, *, user_id: int) -> None:
    """Cancel a user's emails of a kind that were not delivered yet (flush only)."""
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == kind,
            OutboxMessage.user_id == user_id,
            OutboxMessage.status == "pending",
        )
        .values(status="cancelled")
    )
