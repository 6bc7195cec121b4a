"""Helpers of the integration tests: sources made as the CLI makes them, the outbox drained as the
server's delivery thread drains it, and a project named like its repository."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from builders import Api, uniq
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from storyline import outbox
from storyline.db import session_scope
from storyline.integrations import receive
from storyline.integrations.models import IntegrationDelivery
from storyline.integrations.sources import do_create_source, hook_path
from storyline.outbox import OutboxRow

ORIGIN = "https://review.example.org"


@dataclass
class Hook:
    name: str
    kind: str
    secret: str
    path: str
    bot_id: int
    source_id: int


def make_source(app: Any, kind: str, origin: str | None = None) -> Hook:
    name = uniq(f"{kind}-src-")
    with session_scope(app.state.write_sessions) as session:
        source, secret = do_create_source(session, kind, name, origin=origin)
        bot_id, source_id = source.bot_user_id, source.id
    return Hook(name, kind, secret, hook_path(kind, name, secret), bot_id, source_id)


def drain(app: Any, timeout: float = 20.0) -> None:
    """Deliver the queued integration work (the background lane's process does the same); fail on a
    delivery that failed (its error is on the row)."""
    deadline = time.monotonic() + timeout
    while True:
        for lane in outbox.DRAIN_ORDER:
            outbox.deliver(app.state.write_sessions, lane=lane)
        with session_scope(app.state.read_sessions) as session:
            rows = session.execute(select(OutboxRow.id, OutboxRow.attempts, OutboxRow.last_error)
                                   .where(OutboxRow.kind == receive.KIND)).all()
        failed = [r for r in rows if r.attempts]
        assert not failed, f"integration deliveries failed: {[r.last_error for r in failed]}"
        if not rows:
            return
        assert time.monotonic() < deadline, f"{len(rows)} integration deliveries still queued"
        time.sleep(0.02)


def outcomes(app: Any, hook: Hook) -> list[str]:
    with session_scope(app.state.read_sessions) as session:
        return [o or "" for o in session.execute(
            select(IntegrationDelivery.outcome).where(IntegrationDelivery.source_id == hook.source_id)
            .order_by(IntegrationDelivery.id)).scalars()]


def deliveries(app: Any, hook: Hook) -> int:
    with session_scope(app.state.read_sessions) as session:
        return int(session.execute(select(func.count()).where(
            IntegrationDelivery.source_id == hook.source_id)).scalar_one())


@pytest.fixture()
def gerrit(app: Any) -> Hook:
    return make_source(app, "gerrit", origin=ORIGIN)


@pytest.fixture()
def repo(api: Api) -> dict[str, Any]:
    """A project named like its repository (`acme/widgetN`), the way repositories map by default."""
    return api.project(uniq("acme/widget"))


def post_gerrit(client: TestClient, hook: Hook, event: Any, *, origin: str | None = ORIGIN, raw: bytes | None = None) -> Any:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if origin is not None:
        headers["X-Origin-Url"] = origin
    import json

    return client.post(hook.path, content=raw if raw is not None else json.dumps(event).encode(), headers=headers)
