"""Accounts: password hashing (argon2id), login with database-backed throttling, logout that
revokes, password change and reset."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from partnership import throttle
from partnership.accounts.emails import PASSWORD_RESET
from partnership.accounts.models import PasswordResetToken, User
from partnership.db import new_uuid, utcnow
from partnership.errors import Refused
from partnership.extensions import db
from partnership.outbox import services as outbox
from partnership.tokens import hash_token

log = logging.getLogger(__name__)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 10
#: Reset emails per account (and per typed address) per hour.
RESETS_PER_HOUR = 3


class AccountError(Refused):
    """A use-case refused with a message fit to show the user."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps the time of a login for an unknown email like a real one.

    Made on first use, not at import: one argon2 hash costs about a quarter of a second, which
    every worker would otherwise pay before serving its first page."""
    return _hasher.hash("not-a-real-password")


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")


@db.writes
def create_user(email: str, name: str, password: str, *, is_admin: bool = False) -> User:
    """Create an account (an admin with `is_admin`). What it may do on a partnership comes from
    its memberships. Commits."""
    email = normalise_email(email)
    check_password_rules(password)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"An account with the email {email} already exists.")
    user = User(
        email=email, name=name.strip(), password_hash=hash_password(password), is_admin=is_admin
    )
    db.session.add(user)
    db.session.commit()
    log.info("account created id=%s admin=%s", user.id, is_admin)
    return user


#: The password hash of an invited account that has not chosen its password: it matches no
#: password (not an argon2 hash), so nobody logs in until the invitation's link is used.
NO_PASSWORD = ""


def has_password(user: User) -> bool:
    """Whether the account has chosen a password (an invited one has not yet)."""
    return user.password_hash != NO_PASSWORD


def create_invited_user(email: str, name: str) -> User:
    """An account without a password, for a person invited by email (flush only): they choose
    the password through the invitation's one-time link."""
    user = User(email=normalise_email(email), name=name.strip(), password_hash=NO_PASSWORD)
    db.session.add(user)
    db.session.flush()
    log.info("account invited id=%s", user.id)
    return user


def load_user(session_id: str) -> User | None:
    """Flask-Login loader: the cookie holds "<id>:<session_version>"."""
    try:
        user_id, version = (int(p) for p in session_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    wait_seconds: int = 0


def _throttle_keys(email: str, ip: str) -> list[str]:
    return [f"acct:{normalise_email(email)}"[:300], f"ip:{ip}"[:300]]


@db.writes
def authenticate(
    email: str, password: str, ip: str, *, free_attempts: int, max_delay: int
) -> LoginResult:
    """Check a login. Failed attempts are counted per account and per IP in the database and
    each failure past `free_attempts` doubles the wait before the next check. Commits."""
    keys = _throttle_keys(email, ip)
    wait = throttle.wait_seconds(keys)
    if wait:
        db.session.rollback()
        return LoginResult(None, wait_seconds=wait)

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    ok = verify_password(user.password_hash if user else _dummy_hash(), password)
    if ok and user is not None and user.is_active:
        throttle.clear(keys[0])
        user.last_login_at = utcnow()
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        db.session.commit()
        return LoginResult(user)
    throttle.record_failure(keys, free_attempts=free_attempts, max_delay=max_delay)
    db.session.commit()
    return LoginResult(None)


@db.writes
def logout(user: User) -> None:
    """Revoke every session of the user: old cookies stop working. Commits."""
    db.session.execute(
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    db.session.commit()


def _new_password(user: User, new: str) -> None:
    """Set a password (flush only): every session of the user is revoked, and every reset
    link still outstanding is voided, delivered or not."""
    user.password_hash = hash_password(new)
    user.session_version += 1
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.is_used.is_(False))
        .values(is_used=True)
    )
    outbox.cancel_pending(PASSWORD_RESET, user_id=user.id)


@db.writes
def change_password(user: User, current: str, new: str) -> None:
    """Change a password; other sessions are revoked and outstanding reset links voided.
    Commits."""
    if not verify_password(user.password_hash, current):
        raise AccountError("The current password is not correct.")
    check_password_rules(new)
    _new_password(user, new)
    db.session.commit()


@db.writes
def set_password(email: str, new: str) -> User:
    """Admin reset (CLI): set a password, revoke sessions, void reset links. Commits."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise AccountError(f"No account with the email {normalise_email(email)}.")
    check_password_rules(new)
    _new_password(user, new)
    db.session.commit()
    return user


@db.writes
def request_password_reset(
    email: str, base_url: str, *, per_hour: int = RESETS_PER_HOUR, now: dt.datetime | None = None
) -> None:
    """Ask for a reset email; say nothing either way. Commits.

    The same work whether or not an account has that address, so the answer takes about the
    same time: look the user up, count the requests for the address in the last hour, and
    below `per_hour` write one "account.password_reset" outbox row. For an active account the
    row is pending (the sender mints the link at delivery); for an unknown or deactivated one
    it is written already cancelled, naming nobody, and sends nothing. At most `per_hour`
    emails per account and hour.
    """
    now = now or utcnow()
    address = normalise_email(email)[:254]
    user = db.session.scalar(select(User).where(User.email == address))
    real = user is not None and user.is_active
    if outbox.recent_count(PASSWORD_RESET, address, now - dt.timedelta(hours=1)) < per_hour:
        outbox.enqueue(
            PASSWORD_RESET,
            key=f"password-reset:{new_uuid()}",
            to=address,
            user_id=user.id if user is not None and real else None,
            params={"base_url": base_url},
            status="pending" if real else "cancelled",
        )
    db.session.commit()


def reset_token_is_valid(token: str) -> bool:
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token))
    )
    return row is not None and not row.is_used and row.expires_at > utcnow()


@db.writes
def reset_password(token: str, new: str) -> User:
    """Consume a reset token (once) and set the new password; the user's other reset links
    stop working too. Commits."""
    check_password_rules(new)
    now = utcnow()
    row_id = db.session.scalar(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.token_hash == hash_token(token),
            PasswordResetToken.is_used.is_(False),
            PasswordResetToken.expires_at > now,
        )
        .values(is_used=True)
        .returning(PasswordResetToken.user_id)
    )
    if row_id is None:
        db.session.rollback()
        raise AccountError("This reset link is no longer valid. Ask for a new one.")
    user = db.session.get(User, row_id)
    assert user is not None
    _new_password(user, new)
    db.session.commit()
    return user
