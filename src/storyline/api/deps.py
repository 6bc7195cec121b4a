"""Request dependencies: the session (one transaction per request) and the viewer."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.authz import ANONYMOUS, Viewer
from storyline.db import utcnow
from storyline.errors import unauthorized
from storyline.users.models import AccessToken, User
from storyline.users.tokens import hash_token

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _session(request: Request) -> Iterator[Session]:
    state = request.app.state
    factory = state.read_sessions if request.method in READ_METHODS else state.write_sessions
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response is sent, so nothing acknowledged is lost.
SessionDep = Depends(_session, scope="function")


def get_viewer(request: Request, session: Session = SessionDep) -> Viewer:
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise unauthorized()
    row = session.execute(
        select(AccessToken.id, AccessToken.expires_at, User.id, User.is_superuser, User.enable_login)
        .join(User, User.id == AccessToken.user_id)
        .where(AccessToken.token_hash == hash_token(value))
    ).first()
    if row is None:
        raise unauthorized()
    token_id, expires_at, user_id, is_superuser, enable_login = row
    if expires_at <= utcnow() or not enable_login:
        raise unauthorized()
    return Viewer(user_id=user_id, is_superuser=is_superuser, token_id=token_id)


ViewerDep = Depends(get_viewer)

__all__ = ["SessionDep", "ViewerDep", "get_viewer"]
