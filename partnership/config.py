"""Configuration defaults. Values are read from `PARTNERSHIP_*` environment variables when the
app is built (see `create_app`), never at import time."""

from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET = "dev-only-insecure-secret-key"  # noqa: S105 - refused outside development


def defaults(instance_path: str) -> dict[str, object]:
    return {
        # "development" prints emails to the terminal when no SMTP host is set and accepts the
        # built-in secret; "production" refuses to start without a real one.
        "ENV": "production",
        "SECRET_KEY": None,
        "DATABASE_URL": "sqlite:///" + str(Path(instance_path) / "partnership.db"),
        "BASE_URL": "http://127.0.0.1:5000",
        "TIMEZONE": "UTC",
        "SMTP_HOST": None,
        "SMTP_PORT": 25,
        "SMTP_SECURITY": "none",  # none | starttls | tls
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_TIMEOUT": 10,
        "MAIL_FROM": "Partnership Pulse <pulse@localhost>",
        # Delivered, failed and cancelled outbox rows (recipient, subject, times; never a
        # body) are deleted after this many days (`flask outbox purge`).
        "OUTBOX_RETENTION_DAYS": 30,
        # A claimed email whose sender vanished (killed, host lost) is claimed again after
        # this many seconds.
        "OUTBOX_LEASE_SECONDS": 300,
        # The scheduler (`flask jobs run`): no heartbeat for this long means it is not running
        # (`flask jobs status` exits non-zero, coach pages warn).
        "SCHEDULER_STALE_MINUTES": 10,
        "SCHEDULER_HEARTBEAT_SECONDS": 30,
        # A scheduler that finds the lock taken tries again this often, to take over.
        "SCHEDULER_LOCK_RETRY_SECONDS": 15,
        # Seconds between runs of a job, by job name, overriding partnership.jobs.registry
        # (e.g. PARTNERSHIP_JOBS_EVERY='{"deliver_outbox": 5}').
        "JOBS_EVERY": {},
        # The scheduler issues (and emails) the brief of each cycle that reaches Communicate
        # without one (PARTNERSHIP_BRIEFS_AUTO_ISSUE=true); off: coaches issue it.
        "BRIEFS_AUTO_ISSUE": False,
        # Password-reset emails per account (and per typed address) per hour.
        "PASSWORD_RESETS_PER_HOUR": 3,
        # Login throttling: after this many failures, each further attempt waits longer.
        "LOGIN_FREE_ATTEMPTS": 5,
        "LOGIN_MAX_DELAY_SECONDS": 900,
        "WTF_CSRF_TIME_LIMIT": 3600 * 8,
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "pp_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    }


#: The package folder, and the checkout around it (when running from one).
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
CHECKOUT_DIR = os.path.dirname(PACKAGE_DIR)


def resource_dir(name: str) -> str:
    """Where the folder `name` (templates, migrations, docs) is: inside the package in an
    installed wheel (pyproject's force-include ships the top-level folder there), else at the
    top of the checkout, where it is kept."""
    shipped = os.path.join(PACKAGE_DIR, name)
    return shipped if os.path.isdir(shipped) else os.path.join(CHECKOUT_DIR, name)


def is_checkout() -> bool:
    return not os.path.isdir(os.path.join(PACKAGE_DIR, "templates"))


def instance_dir() -> str | None:
    """`instance/` of the checkout; None for an installed wheel, where Flask's default
    (`<prefix>/var/partnership-instance`) applies, never a folder inside site-packages."""
    if not is_checkout():
        return None
    path = os.path.join(CHECKOUT_DIR, "instance")
    os.makedirs(path, exist_ok=True)
    return path
