"""Who is signed in, for the views of every domain."""

from __future__ import annotations

from flask_login import current_user

from partnership.accounts.models import User


def current_account() -> User:
    """The signed-in user as the model object (not Flask-Login's proxy), for services that
    compare ids and store who did what. Use behind ``login_required``."""
    user: User = current_user._get_current_object()
    return user
