"""Signed, optionally expiring tokens for links and addresses that act without a login (one-click
unsubscribe, reply by e-mail). HMAC-SHA256 with a random key of the instance, kept in the database so
that every process, on every machine, checks what another one signed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.db import insert_missing
from storyline.notifications.models import InstanceSecret

# The key's row (migration 0009 makes it; a schema made otherwise gets it on first use).
KEY_NAME = "signing"
_CACHE: dict[str, bytes] = {}


def _key(session: Session) -> bytes:
    url = str(session.get_bind().engine.url)
    cached = _CACHE.get(url)
    if cached is not None:
        return cached
    row = session.execute(select(InstanceSecret.value).where(InstanceSecret.name == KEY_NAME)).scalar()
    if row is None:  # made here, or by a concurrent first use elsewhere (that one wins)
        insert_missing(session, InstanceSecret.__table__, [{"name": KEY_NAME, "value": secrets.token_hex(32)}],
                       unique=["name"])
        row = session.execute(select(InstanceSecret.value).where(InstanceSecret.name == KEY_NAME)).scalar_one()
    key = bytes.fromhex(row)
    _CACHE[url] = key
    return key


def _mac(key: bytes, purpose: str, body: str, length: int) -> str:
    digest = hmac.new(key, f"{purpose}:{body}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()[:length]


def sign(session: Session, purpose: str, message: str, *, ttl: int | None = None, length: int = 26) -> str:
    """`message` (letters, digits, `.` and `-` only), its expiry if any, and its signature, joined by `.`."""
    body = message if ttl is None else f"{message}.{int(time.time()) + ttl:x}"
    return f"{body}.{_mac(_key(session), purpose, body, length)}"


def verify(session: Session, purpose: str, token: str, *, expiring: bool = False,
           length: int = 26) -> str | None:
    """The message of a token `sign` made for `purpose`, or None (forged, altered or expired)."""
    body, _, signature = token.rpartition(".")
    if not body or len(signature) != length:
        return None
    if not hmac.compare_digest(signature.lower(), _mac(_key(session), purpose, body, length)):
        return None
    if expiring:
        body, _, expiry = body.rpartition(".")
        try:
            if int(expiry, 16) < time.time():
                return None
        except ValueError:
            return None
    return body


__all__ = ["sign", "verify"]
