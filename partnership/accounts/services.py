"""Accounts: password hashing (argon2id), login with database-backed throttling, logout that
revokes, password change and reset."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from partnership import throttle
from partnership.accounts.models import PasswordResetToken, User
from partnership.db import utcnow
from partnership.errors import Refused
from partnership.extensions import db
from partnership.tokens import hash_token, new_token

log = logging.getLogger(__name__)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps the time of a login for an unknown email like a real one.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 10
RESET_TOKEN_HOURS = 2


class AccountError(Refused):
    """A use-case refused with a message fit to show the user."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


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
def create_user(email: str, name: str, password: str, role: str = "coach") -> User:
    """Create an account (admin, coach or steering). Commits."""
    email = normalise_email(email)
    check_password_rules(password)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"An account with the email {email} already exists.")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role)
    db.session.add(user)
    db.session.commit()
    log.info("account created id=%s role=%s", user.id, role)
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
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if ok and user is not None and user.is_active:
        throttle.clear(keys[0])
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


@db.writes
def change_password(user: User, current: str, new: str) -> None:
    """Change a password; other sessions are revoked. Commits."""
    if not verify_password(user.password_hash, current):
        raise AccountError("The current password is not correct.")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    user.session_version += 1
    db.session.commit()


@db.writes
def set_password(email: str, new: str) -> User:
    """Admin reset (CLI): set a password and revoke sessions. Commits."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise AccountError(f"No account with the email {normalise_email(email)}.")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    user.session_version += 1
    db.session.commit()
    return user


@db.writes
def request_password_reset(email: str, base_url: str) -> None:
    """Email a one-time reset link when the account exists; say nothing either way. Commits."""
    from partnership.outbox.services import enqueue

    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        db.session.rollback()
        return
    token = new_token()
    row = PasswordResetToken(
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=utcnow() + dt.timedelta(hours=RESET_TOKEN_HOURS),
    )
    db.session.add(row)
    db.session.flush()
    link = f"{base_url.rstrip('/')}/reset/{token}"
    enqueue(
        to=user.email,
        subject="Reset your Partnership Pulse password",
        text=(
            f"Hello {user.name},\n\nSomeone asked to reset the password of your Partnership "
            f"Pulse account. To choose a new password, open this link within "
            f"{RESET_TOKEN_HOURS} hours:\n\n{link}\n\nIf it was not you, ignore this email; "
            "your password stays as it is.\n"
        ),
        key=f"password-reset:{row.id}",
    )
    db.session.commit()


def reset_token_is_valid(token: str) -> bool:
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token))
    )
    return row is not None and not row.is_used and row.expires_at > utcnow()


@db.writes
def reset_password(token: str, new: str) -> User:
    """Consume a reset token (once) and set the new password. Commits."""
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
    user.password_hash = hash_password(new)
    user.session_version += 1
    db.session.commit()
    return user
