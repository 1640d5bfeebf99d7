from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from partnership.db import Base, UTCDateTime, utcnow

ROLES = ("admin", "coach", "steering")


class User(Base):
    """A person who logs in: an admin, a coach or a steering-committee member.

    Stakeholders answering surveys have no account.
    """

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'coach', 'steering')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="coach")
    #: Bumped on logout and password change: every session cookie carries the version it was
    #: issued with, so an old cookie replayed after logout no longer authenticates.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    is_active: Mapped[bool] = mapped_column(default=True)
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

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


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
