"""The outbox: the one way every email is sent.

A use case writes a row with `enqueue` inside its own transaction: what the email is about
(`kind`, the stakeholder or user, non-secret `params`), never its text. After commit a sender
(`send_pending`: the scheduler's delivery job, or `flask outbox send` once) claims one due row
at a time with a compare-and-set and a lease, and asks the renderer registered for the row's
kind to write the email *now*. A renderer that needs a link mints the token then, stores only
its hash (flush) and returns the email; the sender commits the hash, sends, and marks the row
sent, keeping recipient, subject, status and times, never the body (emails listed in groups,
such as reminders, keep not even the recipient once sent: see `listed_in_groups`). So no
usable link rests in the database: a crash between minting and sending leaves at worst a link that reached nobody,
and the retry mints another.

Exactly once, as far as SMTP allows: each claim increments `attempts`, which fences the row;
"sent" (like "retry" and "failed") is written only by the sender whose claim is still the
current one, in its own commit immediately after the SMTP server's reply to the message. The
one window left is between that reply and that commit (a crash there, or a reply lost on the
network): the row's lease then expires and the email is sent again, with the same Message-ID
(derived from the idempotency key), so a receiving system can tell it is the same message.
A sender killed before the server accepted a message leaves one row "sending"; another sender
claims it again once its lease (OUTBOX_LEASE_SECONDS) has expired.

Each domain registers its kinds with `@renders("<domain>.<what>")` in the module that writes
its emails (surveys: invitation, reminder, test invitation; accounts: password reset). A
renderer returns None when the email no longer applies (the invitation was used, the survey
closed, the person was deactivated): the row is then cancelled. `purge` removes finished rows
after the retention period (OUTBOX_RETENTION_DAYS, 30 by default; `flask outbox purge`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import re
import smtplib
import ssl
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, delete, func, or_, select, update

from partnership.db import affected_rows, utcnow
from partnership.errors import NotFound, Refused
from partnership.extensions import db
from partnership.outbox.models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
#: How long a claimed row stays with its sender (OUTBOX_LEASE_SECONDS overrides): much longer
#: than rendering and sending one email can take (SMTP_TIMEOUT is 10 s per step).
LEASE_SECONDS = 300
RETENTION_DAYS = 30
FINISHED = ("sent", "failed", "cancelled")
#: A clock: the scheduler passes the real one, `flask jobs tick --now` a fixed one.
Clock = Callable[[], dt.datetime]


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
_LABELS: dict[str, str] = {}
_GROUPS: dict[str, Callable[[OutboxMessage], str]] = {}
#: kind -> the idempotency key its rows keep once sent (see `listed_in_groups`)
_SENT_KEYS: dict[str, Callable[[str], str]] = {}


def renders(kind: str, *, label: str | None = None) -> Callable[[Renderer], Renderer]:
    """Register the renderer of one kind of email: `@renders("surveys.reminder",
    label="Reminder")`; the label names the kind on the coach's outbox page."""

    def register(renderer: Renderer) -> Renderer:
        if _RENDERERS.get(kind, renderer) is not renderer:
            raise ValueError(f"a renderer for {kind!r} is already registered")
        _RENDERERS[kind] = renderer
        if label:
            _LABELS[kind] = label
        return renderer

    return register


def listed_in_groups(
    kind: str, group: Callable[[OutboxMessage], str], *, sent_key: Callable[[str], str]
) -> None:
    """Emails of this kind appear on the coach's outbox page only in groups (one line per
    `group(row)`, with counts by status and errors with addresses removed), never one by one:
    for emails whose list of recipients would itself tell something, such as reminders (they
    go to the people who had not answered).

    For the same reason a row of such a kind forgets its recipient once it is sent: address,
    stakeholder, user and params are cleared and its idempotency key becomes
    `sent_key(key)`, which must keep what `group` reads and drop whatever names the recipient.
    Otherwise a copy of the database would tell, until the retention purge, who had not
    answered by the day of each reminder, and with the responses' day, whose answers came
    after it. Rows waiting, failed or cancelled keep them: they may still be sent."""
    _GROUPS[kind] = group
    _SENT_KEYS[kind] = sent_key


def kind_label(kind: str) -> str:
    return _LABELS.get(kind, kind)


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
    partnership_id: int | None = None,
    status: str = "pending",
    now: dt.datetime | None = None,
) -> bool:
    """Add an email to the outbox in the caller's transaction (flush only). `params` must hold
    nothing secret: ids and settings the renderer reads at delivery. `partnership_id` puts
    the email on that partnership's outbox page; `now` is the use case's clock (written and
    due from then).

    Returns False when a message with this idempotency key already exists, so a retried use
    case never sends twice (the key is also unique in the table). `status="cancelled"`
    records a request that sends nothing (a password reset for an unknown address does the
    same work as one for a real account).
    """
    if kind not in _RENDERERS:
        raise ValueError(f"no renderer is registered for {kind!r}")
    exists = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
    if exists is not None:
        return False
    now = now or utcnow()
    db.session.add(
        OutboxMessage(
            idempotency_key=key,
            kind=kind,
            to_address=to,
            subject="",
            params=dict(params or {}),
            stakeholder_id=stakeholder_id,
            user_id=user_id,
            partnership_id=partnership_id,
            status=status,
            created_at=now,
            next_attempt_at=now,
        )
    )
    db.session.flush()
    return True


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8, 16 minutes between tries."""
    return dt.timedelta(minutes=2 ** max(0, attempts - 1))


def _due(now: dt.datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now),
    )


@db.writes
def _claim_next(now: dt.datetime, lease: dt.timedelta) -> tuple[int, int] | None:
    """Claim the oldest due row: (id, attempt), or None when nothing is due. Compare-and-set:
    of several senders, one wins each row; the attempt number it gets fences the row (only
    the holder of the current attempt may finish it). Commits."""
    for _ in range(20):  # another sender may win the row we picked: pick again
        msg_id = db.session.scalar(
            select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(1)
        )
        if msg_id is None:
            db.session.commit()
            return None
        attempt = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == msg_id, _due(now))
            .values(status="sending", lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.attempts)
            .execution_options(synchronize_session=False)
        ).scalar()
        db.session.commit()
        if attempt is not None:
            return msg_id, int(attempt)
    return None


@db.writes
def _finish(msg_id: int, attempt: int, **values: Any) -> bool:
    """Write the outcome of a delivery attempt, only if the row is still this attempt's (its
    lease did not expire into another sender's claim). Commits; False when it was not."""
    won = affected_rows(
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == msg_id,
                OutboxMessage.status == "sending",
                OutboxMessage.attempts == attempt,
            )
            .values(lease_until=None, **values)
            .execution_options(synchronize_session="evaluate")
        )
    )
    db.session.commit()
    if not won:
        _lost(msg_id, attempt)
    return bool(won)


def _lost(msg_id: int, attempt: int) -> None:
    log.warning(
        "email %s: attempt %s finished after another sender took the row over (its lease "
        "had expired); the email may have been delivered twice",
        msg_id,
        attempt,
    )


def message_id(key: str, secret: str, sender: str) -> str:
    """The Message-ID of the email with this idempotency key: the same for every attempt, so
    a second delivery is recognisable as the same message, and opaque (a keyed hash, not the
    ids in the key)."""
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
    digest = hmac.new(secret.encode(), b"message-id:" + key.encode(), hashlib.sha256).hexdigest()
    return f"<{digest[:40]}@{domain}>"


def build_message(msg: OutboxMessage, email: Email, sender: str, secret: str) -> EmailMessage:
    """The MIME message of a rendered email; its Message-ID comes from the idempotency key."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = message_id(msg.idempotency_key, secret, sender)
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


def _smtp(config: Mapping[str, Any]) -> smtplib.SMTP:
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

    def __init__(self, config: Mapping[str, Any]) -> None:
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


def smtp_error(exc: BaseException) -> str:
    """What the mail server (or the network) said, as a coach can read it:
    "550 5.1.1 <a@b.example>: Recipient address rejected"."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
            for code, reply in exc.recipients.values()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{exc.smtp_code} {text}"
    return f"{type(exc).__name__}: {exc}"


def _is_permanent(exc: BaseException) -> bool:
    """The server refused every recipient for good (5xx, e.g. no such mailbox): trying again
    would only be refused again."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 for code, _reply in exc.recipients.values()
    )


def _retry_or_fail(
    attempt: int, now: dt.datetime, error: str, *, permanent: bool = False
) -> tuple[str, dict[str, Any]]:
    """The outcome of a failed attempt and the row's new values."""
    values: dict[str, Any] = {"last_error": error[:2000]}
    if permanent or attempt >= MAX_ATTEMPTS:
        return "failed", dict(values, status="failed")
    return "retry", dict(values, status="pending", next_attempt_at=now + backoff(attempt))


@db.writes
def _deliver(
    msg_id: int, attempt: int, clock: Clock, config: Mapping[str, Any], transport: Transport
) -> str:
    """Render, commit the minted hashes, send, mark. Returns the count it belongs to."""
    now = clock()
    msg = db.session.get(OutboxMessage, msg_id, populate_existing=True)
    if msg is None:  # erased meanwhile
        db.session.rollback()
        return "cancelled"
    kind, key = msg.kind, msg.idempotency_key
    renderer = _RENDERERS.get(kind)
    try:
        if renderer is None:
            raise LookupError(f"no renderer is registered for {kind!r}")
        email = renderer(msg, now)
    except Exception as exc:  # a broken renderer must not stop the other emails
        db.session.rollback()  # drops any token it minted
        log.exception("email %s (%s) could not be rendered", msg_id, kind)
        outcome, values = _retry_or_fail(attempt, now, f"{type(exc).__name__}: {exc}")
        return outcome if _finish(msg_id, attempt, **values) else "lost"
    if email is None:
        db.session.rollback()
        return "cancelled" if _finish(msg_id, attempt, status="cancelled") else "lost"
    message = build_message(msg, email, config["MAIL_FROM"], str(config["SECRET_KEY"]))
    msg.to_address, msg.subject = email.to, email.subject
    # The minted token's hash is stored before the email leaves: a link that was sent always
    # works; a crash from here on leaves at worst a link that reached nobody.
    db.session.commit()
    try:
        transport(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("email %s not delivered (attempt %s): %s", msg_id, attempt, exc)
        outcome, values = _retry_or_fail(
            attempt, clock(), smtp_error(exc), permanent=_is_permanent(exc)
        )
        return outcome if _finish(msg_id, attempt, **values) else "lost"
    # The server has accepted the message: record it at once, in its own commit. Nothing may
    # run between the reply and this commit (benchmarks/outbox_window.py measures it).
    done = _mark_sent(msg_id, attempt, clock())
    if done and kind in _SENT_KEYS:
        _forget_recipient(msg_id, _SENT_KEYS[kind](key))
    stale = db.session.identity_map.get(db.session.identity_key(OutboxMessage, msg_id))
    if stale is not None:
        db.session.expire(stale)
    if not done:
        _lost(msg_id, attempt)
    return "sent" if done else "lost"


#: "sent", for the holder of the current attempt only: built once, so that marking an email
#: sent costs one prepared UPDATE and a COMMIT, nothing more.
_MARK_SENT = (
    update(OutboxMessage)
    .where(
        OutboxMessage.id == bindparam("msg_id"),
        OutboxMessage.status == "sending",
        OutboxMessage.attempts == bindparam("attempt"),
    )
    .values(status="sent", sent_at=bindparam("sent_at"), lease_until=None, last_error=None)
)


def _forget_recipient(msg_id: int, key: str) -> None:
    """A sent email of a kind listed in groups keeps no trace of whom it went to."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == msg_id, OutboxMessage.status == "sent")
        .values(idempotency_key=key, to_address="", stakeholder_id=None, user_id=None, params={})
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _mark_sent(msg_id: int, attempt: int, sent_at: dt.datetime) -> bool:
    """Commit "sent" for a delivery attempt the server accepted (inside `_deliver`'s writing
    block: the transaction begins IMMEDIATE on SQLite)."""
    won = affected_rows(
        db.session.connection().execute(
            _MARK_SENT, {"msg_id": msg_id, "attempt": attempt, "sent_at": sent_at}
        )
    )
    db.session.commit()
    return bool(won)


def send_pending(
    config: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
    clock: Clock | None = None,
    limit: int = 200,
    transport: Transport | None = None,
) -> dict[str, int]:
    """Deliver up to `limit` due outbox rows, one claim at a time: over SMTP
    (PARTNERSHIP_SMTP_*), to the terminal in development without an SMTP host, or through
    `transport`. `now` fixes the clock (tests, `flask jobs tick --now`); `clock` gives one;
    default the real time, read again for each email.

    Returns counts of sent, retried, failed and cancelled messages ("lost": finished by
    another sender after this one's lease expired).
    """
    if clock is None:
        clock = (lambda: now) if now is not None else utcnow
    lease = dt.timedelta(seconds=float(config.get("OUTBOX_LEASE_SECONDS") or LEASE_SECONDS))
    counts = {"sent": 0, "failed": 0, "retry": 0, "cancelled": 0, "lost": 0}
    smtp = None
    try:
        for _ in range(limit):
            claimed = _claim_next(clock(), lease)
            if claimed is None:
                break
            if transport is None:
                if config.get("SMTP_HOST"):
                    smtp = _SmtpTransport(config)
                    transport = smtp
                else:
                    transport = _print_transport
            counts[_deliver(*claimed, clock, config, transport)] += 1
    finally:
        if smtp is not None:
            smtp.close()
    return counts


@db.writes
def retry_failed(
    partnership_id: int, message_ids: list[int], *, now: dt.datetime | None = None
) -> int:
    """Send failed emails of a partnership again: back to pending, due now, with a fresh
    count of attempts (the last error stays visible until one succeeds). Compare-and-set on
    the failed state. Commits; returns how many were queued again."""
    if not message_ids:
        raise Refused("No failed email was chosen.")
    rows = db.session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.id.in_(message_ids), OutboxMessage.partnership_id == partnership_id
        )
    ).all()
    if len(rows) != len(set(message_ids)):
        raise NotFound("There is nothing at this address, or you have no access to it.")
    queued = affected_rows(
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(rows), OutboxMessage.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=now or utcnow(), lease_until=None)
            .execution_options(synchronize_session=False)
        )
    )
    if not queued:
        db.session.rollback()
        raise Refused("That email is no longer failed: it was sent again or is on its way.")
    db.session.commit()
    log.info("partnership %s: %s failed emails queued again", partnership_id, queued)
    return int(queued)


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


# --- the coach's outbox page ----------------------------------------------------------------

STATUS_ORDER = ("failed", "pending", "sending", "sent", "cancelled")
_ADDRESS = re.compile(r"[^\s<>@,;:\"']+@[^\s<>@,;:\"']+")


def without_addresses(text: str | None) -> str | None:
    """An SMTP error with every email address replaced by "[address]"."""
    return _ADDRESS.sub("[address]", text) if text else text


def status_counts(partnership_id: int) -> dict[str, int]:
    """The partnership's emails by status."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.partnership_id == partnership_id)
        .group_by(OutboxMessage.status)
    ).all()
    counts = dict.fromkeys(STATUS_ORDER, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


@dataclass
class MessageGroup:
    """Emails listed together (see `listed_in_groups`)."""

    label: str
    kind: str
    first_at: dt.datetime
    last_at: dt.datetime
    counts: dict[str, int]
    #: Failed emails of the group (ids for the retry button) and their errors, addresses removed.
    failed_ids: list[int]
    errors: list[str]


@dataclass
class OutboxPage:
    messages: list[OutboxMessage]
    groups: list[MessageGroup]
    #: More individual emails match than are listed.
    truncated: bool


def partnership_outbox(
    partnership_id: int, *, status: str | None = None, limit: int = 200
) -> OutboxPage:
    """The partnership's emails for its coaches, newest first: one by one, except kinds
    listed in groups. `status` keeps only emails in that state."""
    where = [OutboxMessage.partnership_id == partnership_id]
    if status:
        where.append(OutboxMessage.status == status)
    grouped = list(_GROUPS)
    single = db.session.scalars(
        select(OutboxMessage)
        .where(*where, OutboxMessage.kind.not_in(grouped))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit + 1)
    ).all()
    groups: dict[tuple[str, str], MessageGroup] = {}
    if grouped:
        rows = db.session.scalars(
            select(OutboxMessage)
            .where(*where, OutboxMessage.kind.in_(grouped))
            .order_by(OutboxMessage.id)
        )
        for row in rows:
            label = _GROUPS[row.kind](row)
            entry = groups.get((row.kind, label))
            if entry is None:
                entry = groups[(row.kind, label)] = MessageGroup(
                    label,
                    row.kind,
                    row.created_at,
                    row.created_at,
                    dict.fromkeys(STATUS_ORDER, 0),
                    [],
                    [],
                )
            entry.first_at = min(entry.first_at, row.created_at)
            entry.last_at = max(entry.last_at, row.created_at)
            entry.counts[row.status] = entry.counts.get(row.status, 0) + 1
            if row.status == "failed":
                entry.failed_ids.append(row.id)
                error = without_addresses(row.last_error)
                if error and error not in entry.errors:
                    entry.errors.append(error)
    return OutboxPage(
        messages=list(single[:limit]),
        groups=sorted(groups.values(), key=lambda g: g.last_at, reverse=True),
        truncated=len(single) > limit,
    )
