"""Writes on users. Services flush; the request commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storyline.db import utcnow
from storyline.errors import BadRequest
from storyline.search import index as search_index
from storyline.users.models import User


def _email_free(session: Session, email: str, exclude_id: int | None = None) -> None:
    stmt = select(User.id).where(func.lower(User.email) == email.lower())
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    if session.execute(stmt).first() is not None:
        raise BadRequest(f"A user with email '{email}' already exists", field="email")


def _openid_free(session: Session, openid: str, exclude_id: int | None = None) -> None:
    stmt = select(User.id).where(User.openid == openid)
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    if session.execute(stmt).first() is not None:
        raise BadRequest("A user with this openid already exists", field="openid")


def do_create_user(session: Session, data: dict[str, Any]) -> User:
    _email_free(session, data["email"])
    if data.get("openid"):
        _openid_free(session, data["openid"])
    user = User(**{k: v for k, v in data.items() if v is not None})
    session.add(user)
    session.flush()
    search_index.index_user(session, user)
    return user


def do_update_user(session: Session, user: User, changes: dict[str, Any]) -> User:
    if changes.get("email") is not None and changes["email"] != user.email:
        _email_free(session, changes["email"], exclude_id=user.id)
    if changes.get("openid") and changes["openid"] != user.openid:
        _openid_free(session, changes["openid"], exclude_id=user.id)
    for key, value in changes.items():
        if value is None and key in ("full_name", "email", "is_superuser", "enable_login"):
            continue
        setattr(user, key, value)
    user.updated_at = utcnow()
    session.flush()
    search_index.index_user(session, user)
    return user
