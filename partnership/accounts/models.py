from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from partnership.db import Base, UTCDateTime, utcnow


class User(Base):
    """A person who logs in. Whether they coach a partnership or sit on its steering committee
    is their membership's role (per partnership); only admin is global.

    Stakeholders answering surveys have no account.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Global: an admin acts as a coach on every partnership and adds coaches.
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Bumped on logout and password change: every session cookie carries the version it was
    #: issued with, so an old cookie replayed after logout no longer authenticates.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class AttemptThrottle(Base):
    """Failed-attempt counters: logins keyed by account ("acct:<email>") and by client
    ("ip:<addr>"), and unknown survey links keyed by client ("token-ip:<addr>").

    Kept in the database, not in process memory, so the limit holds across gunicorn workers.
    """

    __tablename__ = "attempt_throttles"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    #: No attempt for this key is checked before this time.
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordResetToken(Base):
    """A one-time password-reset link; only the SHA-256 of its token is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    is_used: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
