"""Secret tokens carried by links (survey links, password resets, API tokens).

Each is 256 bits from `secrets`; only its SHA-256 is stored, so a database leak reveals no
working link.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh 256-bit URL-safe token."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()
