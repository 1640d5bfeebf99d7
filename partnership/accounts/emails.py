"""The password-reset email, written by the outbox sender at delivery ("account.password_reset").

The request (`services.request_password_reset`) writes only an outbox row naming the user.
When the sender delivers it, this renderer mints the one-time token, stores its SHA-256 as a
`PasswordResetToken` valid until two hours after the request, and returns the email; the raw
token exists only in memory while the email is written and sent.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app

from partnership.accounts.models import PasswordResetToken, User
from partnership.extensions import db
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import Email, renders
from partnership.tokens import hash_token, new_token

PASSWORD_RESET = "account.password_reset"  # noqa: S105 - an email kind, not a secret
RESET_TOKEN_HOURS = 2


@renders(PASSWORD_RESET, label="Password reset")
def render_password_reset(msg: OutboxMessage, now: dt.datetime) -> Email | None:
    """The reset link; nothing for an unknown or deactivated account or a request older than
    the link's lifetime."""
    user = db.session.get(User, msg.user_id) if msg.user_id is not None else None
    expires_at = msg.created_at + dt.timedelta(hours=RESET_TOKEN_HOURS)
    if user is None or not user.is_active or expires_at <= now:
        return None
    token = new_token()
    db.session.add(
        PasswordResetToken(user_id=user.id, token_hash=hash_token(token), expires_at=expires_at)
    )
    db.session.flush()
    base_url = str(msg.params.get("base_url") or current_app.config["BASE_URL"])
    link = f"{base_url.rstrip('/')}/reset/{token}"
    return Email(
        to=user.email,
        subject="Reset your Partnership Pulse password",
        text=(
            f"Hello {user.name},\n\nSomeone asked to reset the password of your Partnership "
            f"Pulse account. To choose a new password, open this link within "
            f"{RESET_TOKEN_HOURS} hours of the request:\n\n{link}\n\nIf it was not you, ignore "
            "this email; your password stays as it is.\n"
        ),
    )
