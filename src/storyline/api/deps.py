"""Request dependencies: the session (one transaction per request) and the viewer."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from storyline import outbox
from storyline.api.admission import MACHINE, Gate, request_class
from storyline.api.routing import END_AFTER, HEALTH, INLINE, _ignore_outcome, in_thread
from storyline.authz import ANONYMOUS, Viewer, require_superuser
from storyline.db import utcnow
from storyline.errors import Unavailable, unauthorized
from storyline.security.service import SecurityPolicy
from storyline.users.models import AccessToken, User
from storyline.users.tokens import hash_token

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A token's last_used_at is written at most once per this interval (not on every request).
LAST_USED_STEP = dt.timedelta(seconds=60)

log = logging.getLogger("storyline")


# A read asking for at most this many rows may run inline; so may one object by id.
INLINE_LIMIT = 100
# Single objects whose answer can still be long (every card of every lane): never inline.
_LONG_OBJECTS = ("/boards/", "/worklists/")


def _inline(request: Request) -> bool:
    """May this read request's database work run on the event loop thread?

    Yes for short reads on SQLite: a read transaction takes no lock and never waits, and opening,
    ending and releasing it are in-process calls of a few microseconds, cheaper than a hop to the
    threadpool and back. A short read is one object by id, or a list with `limit` at most
    INLINE_LIMIT. A list without a limit (StoryBoard's "every row"), a board or a worklist can take
    seconds: it runs in the threadpool, and the event loop keeps serving everyone else. Writes (they
    may wait for the write lock) and PostgreSQL (every call is a network round trip) go through the
    threadpool.
    """
    if request.method not in READ_METHODS or request.app.state.engine.dialect.name != "sqlite":
        return False
    limit = request.query_params.get("limit")
    if limit is not None:
        return limit.isdigit() and len(limit) < 4 and 0 < int(limit) <= INLINE_LIMIT
    path = request.url.path.rstrip("/")
    return path.rsplit("/", 1)[-1].isdigit() and not any(p in path for p in _LONG_OBJECTS)


def _gate(request: Request) -> Gate | None:
    """Admission to the database: where a request waits, on the event loop, for its turn
    (api/admission.py: people's requests before machine deliveries, which hold few places).

    A waiting request holds neither a thread nor a pooled connection, so nothing can starve the pool
    (requests that held a connection while waiting for a thread, or threads waiting for a connection
    held by requests waiting for a thread, froze the server until the pool's timeout).

    - SQLite writes: one at a time per process (db.SQLiteWriteLock queues the other processes). The
      write lock is then free when the endpoint needs it: no busy-waiting, no lock held by a queue.
    - PostgreSQL: at most `db_pool_size` requests use the database at once; the pool keeps a few
      more connections for the token-use note and the worker.
    - SQLite reads: none (they run on the event loop, one at a time, and never wait).
    One gate per event loop (a test may drive the app from several).
    """
    state = request.app.state
    sqlite = state.engine.dialect.name == "sqlite"
    if sqlite and request.method in READ_METHODS:
        return None
    key = (asyncio.get_running_loop(), sqlite)
    gate: Gate | None = state.db_gates.get(key)
    if gate is None:
        size = 1 if sqlite else state.settings.db_pool_size
        # deliveries: one at a time on SQLite (its writes are), a quarter of the pool on PostgreSQL
        gate = state.db_gates[key] = Gate(size, machine_size=1 if sqlite else max(1, size // 4))
    return gate


async def _session(request: Request) -> AsyncIterator[Session]:
    """One session, one transaction per request, committed before the response is sent.

    Creating a session does no I/O (the connection is taken on first use, in the endpoint's thread),
    so this dependency is async: a read request costs one threadpool hop in all (its endpoint), not
    three.
    """
    health = request.app.state.health
    HEALTH.set(health)
    if not health.up:
        raise Unavailable("The database is not answering; please retry shortly")
    gate = _gate(request)
    machine = request_class(request.scope) == MACHINE
    if gate is not None:
        try:
            async with asyncio.timeout(request.app.state.settings.db_wait_timeout):
                await gate.acquire(machine)
        except TimeoutError:
            raise Unavailable("The database is busy; please retry shortly") from None
    try:
        state = request.app.state
        factory = state.read_sessions if request.method in READ_METHODS else state.write_sessions
        session = factory()
        inline = _inline(request)
        INLINE.set(inline)  # the endpoint too (api/routing.py)
        if inline:
            try:
                yield session
                session.commit()
            finally:
                session.close()  # rolls back what was not committed
            return
        ended = False

        def end_in_endpoint_thread() -> None:
            nonlocal ended
            _commit_and_close(session)
            ended = True

        END_AFTER.set(end_in_endpoint_thread)  # api/routing.py
        try:
            yield session
            if not ended:  # an endpoint that did not end it (an async one)
                await in_thread(_commit_and_close, session)
                ended = True
        finally:
            if not ended:
                # Rolled back and closed in its thread; when the database is down it finishes
                # whenever the database answers, and the request does not wait for it.
                end = asyncio.ensure_future(run_in_threadpool(session.close))
                if health.up:
                    await end
                else:
                    end.add_done_callback(_ignore_outcome)
    finally:
        if gate is not None:
            gate.release(machine)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
        queued = session.info.pop(outbox.QUEUED, None)
        if queued:
            outbox.wake(queued)  # the outbox threads deliver what this write queued, now
    finally:
        session.close()


# scope="function": commit before the response is sent, so nothing acknowledged is lost.
SessionDep = Depends(_session, scope="function")


def _note_use(request: Request, session: Session, token_id: int, now: dt.datetime) -> None:
    """Record when a token was last used, at most once a minute per token.

    A write request updates it in its own transaction. A read request's session does not write
    (on SQLite it holds no write lock), so a separate short write transaction does it. That write
    never makes a read wait long: it gives up after 250 ms when another writer holds the lock (SQLite)
    or the token's row (PostgreSQL), and the request goes on without it (the next use records it).
    """
    stmt = (update(AccessToken)
            .where(AccessToken.id == token_id,
                   or_(AccessToken.last_used_at.is_(None), AccessToken.last_used_at < now - LAST_USED_STEP))
            .values(last_used_at=now)
            .execution_options(synchronize_session=False))
    if request.method not in READ_METHODS:
        session.execute(stmt)
        return
    engine = request.app.state.engine
    try:
        with engine.execution_options(storyline_write=True, storyline_write_wait=0.25).connect() as conn:
            raw = conn.connection.dbapi_connection if engine.dialect.name == "sqlite" else None
            saved: int = raw.execute("PRAGMA busy_timeout").fetchone()[0] if raw is not None else 0
            try:
                if raw is not None:
                    raw.execute("PRAGMA busy_timeout=250")
                else:  # PostgreSQL: never queue behind a lock on the token row for long
                    conn.exec_driver_sql("SET LOCAL lock_timeout = '250ms'")
                conn.execute(stmt)
                conn.commit()
            finally:
                conn.rollback()
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout={saved}")
    except SQLAlchemyError:
        log.info("could not record the use of token %s now", token_id, exc_info=True)


# Built once (building a statement costs several times more than running this one); run on the
# session's connection, without the ORM layer. By channel: an API token (Authorization header) is any
# token but a feed token; a feed token (`?token=` on /v1/feeds) is only that (docs/notifications.md).
_TOKEN_ROW = {
    feed: select(AccessToken.id, AccessToken.expires_at, AccessToken.last_used_at, User.id, User.is_superuser,
                 User.enable_login)
    .join(User, User.id == AccessToken.user_id)
    .where(AccessToken.token_hash == bindparam("token_hash"),
           AccessToken.kind == "feed" if feed else AccessToken.kind != "feed")
    for feed in (False, True)
}


def _token_row(session: Session, value: str, feed: bool = False) -> Any:
    return session.connection().execute(_TOKEN_ROW[feed], {"token_hash": hash_token(value)}).first()


async def get_viewer(request: Request, session: Session = SessionDep) -> Viewer:
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise unauthorized()
    return await _token_viewer(request, session, value, feed=False)


async def get_feed_viewer(
    request: Request,
    token: str | None = Query(None, max_length=255, description=(
        "A feed token (POST /v1/users/{user_id}/tokens with kind \"feed\"): read the feed as its user, "
        "private stories they may see included. Without it: the Authorization header's caller, or anonymous "
        "(public stories only). Refused (401) when unknown, revoked or expired")),
    session: Session = SessionDep,
) -> Viewer:
    """The reader of an Atom feed: the user of a feed token given as `?token=` (a feed reader sends no
    headers), else the caller of the Authorization header as anywhere in the API, else anonymous. A feed
    token is refused everywhere else (get_viewer never finds one)."""
    if token is None:
        return await get_viewer(request, session)
    if not token.strip():
        raise unauthorized()
    return await _token_viewer(request, session, token.strip(), feed=True)


async def _token_viewer(request: Request, session: Session, value: str, *, feed: bool) -> Viewer:
    if _inline(request):
        row = _token_row(session, value, feed)
    else:
        row = await in_thread(_token_row, session, value, feed)
    if row is None:
        raise unauthorized()
    token_id, expires_at, last_used_at, user_id, is_superuser, enable_login = row
    now = utcnow()
    if expires_at <= now or not enable_login:
        raise unauthorized()
    if last_used_at is None or last_used_at < now - LAST_USED_STEP:
        # At most once a minute per token; it may wait for a lock, so never on the event loop.
        await in_thread(_note_use, request, session, token_id, now)
    return Viewer(user_id=user_id, is_superuser=is_superuser, token_id=token_id)


ViewerDep = Depends(get_viewer)
FeedViewerDep = Depends(get_feed_viewer)


async def _superuser_first(viewer: Viewer = ViewerDep) -> None:
    """StoryBoard's order for the superuser-only writes on project groups, branches and milestones: a
    caller who may not write is refused (401/403) before the body and path are validated. Only the
    order: the service the route calls makes the check itself (`projects.service.do_X_as`)."""
    require_superuser(viewer)


SuperuserFirst = Depends(_superuser_first)


async def inbox_delivered(request: Request) -> None:
    """Before reading the inbox: every write acknowledged before this request has its inbox rows."""
    state = request.app.state
    await outbox.delivered(state.write_sessions, state.read_sessions)


InboxDelivered = Depends(inbox_delivered)


async def security_policy(request: Request) -> SecurityPolicy:
    settings = request.app.state.settings
    return SecurityPolicy(vmt_team=settings.vmt_team, embargo_max_days=settings.embargo_max_days)


PolicyDep = Depends(security_policy)

__all__ = ["FeedViewerDep", "SessionDep", "ViewerDep", "get_feed_viewer", "get_viewer"]
