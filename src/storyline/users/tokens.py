"""Access token values: random, opaque, stored only as SHA-256 hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy.orm import Session

from storyline.db import utcnow
from storyline.users.models import AccessToken


def hash_token(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_token_value() -> str:
    return secrets.token_urlsafe(32)


def create_token(
    session: Session, user_id: int, expires_in: int, value: str | None = None, name: str | None = None,
    kind: str = "personal",
) -> tuple[AccessToken, str]:
    """Store a token for `user_id`; returns the row and the clear value (shown once).

    `kind` is "personal" (bots and scripts: made by the user or the CLI) or "session" (a web login,
    renewable through its refresh token)."""
    value = value or new_token_value()
    now = utcnow()
    token = AccessToken(
        user_id=user_id,
        token_hash=hash_token(value),
        expires_in=expires_in,
        expires_at=now + dt.timedelta(seconds=expires_in),
        name=name,
        kind=kind,
        created_at=now,
    )
    session.add(token)
    session.flush()
    return token, value
