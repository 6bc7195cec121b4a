"""The outbox does several integration events per transaction (issue 14): an event whose work fails
half-way is rolled back alone (its task keeps its status), its failure is counted on its row, and the
events queued beside it are done, once. On SQLite the lane gives way to a request's write waiting for
the write lock. Receiving stays short: an event with nothing to do is recorded as handled at once,
with its outcome, and queues nothing."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import payloads as p
import pytest
from builders import Api, uniq
from conftest import drain, outcomes, post_gerrit
from fastapi.testclient import TestClient
from lane_writer import LaneAndWriter, lane_app
from sqlalchemy import delete, select

from storyline import outbox
from storyline.db import session_scope
from storyline.integrations import events, receive
from storyline.integrations.models import IntegrationDelivery
from storyline.integrations.sources import Source
from storyline.outbox import OutboxRow


def _status(api: Api, task_id: int) -> str:
    return str(api.ok("GET", f"/v1/tasks/{task_id}")["status"])


def test_a_failing_event_is_rolled_back_alone_and_counted(client: TestClient, app: Any, api: Api, gerrit: Any,
                                                         repo: dict[str, Any]) -> None:
    story = api.story(title=uniq("Batch "))
    first = api.task(story["id"], repo["id"])
    second = api.task(api.story(title=uniq("Batch "))["id"], repo["id"])
    change = p.gerrit_change(7001, repo["name"], f"Fix\n\nTask: {first['id']}\n")
    assert post_gerrit(client, gerrit, p.gerrit_event("patchset-created", change)).json()["status"] == "accepted"
    drain(app)
    assert _status(api, first["id"]) == "review"

    # An abandon whose reason is not text: the task moves back, then the bot's comment fails on it.
    raw = p.gerrit_event("change-abandoned", dict(change, status="ABANDONED"), reason="x")
    ev, key = events.gerrit(raw, b"")
    ev["reason"] = 5
    bad_id = 0
    try:
        with session_scope(app.state.write_sessions) as session:
            src = Source(gerrit.source_id, gerrit.name, "gerrit", None, None, None, gerrit.bot_id)
            delivery_id = receive.record(session, src, key, ev)
            assert delivery_id is not None
            outbox.enqueue(session, receive.KIND, {"source_id": gerrit.source_id, "delivery_id": delivery_id,
                                                   "event": ev, "received": time.time()})
            bad_id = session.execute(select(OutboxRow.id).order_by(OutboxRow.id.desc()).limit(1)).scalar_one()
        other = p.gerrit_change(7002, repo["name"], f"Fix too\n\nTask: {second['id']}\n")
        assert post_gerrit(client, gerrit, p.gerrit_event("patchset-created", other)).json()["status"] == "accepted"

        deadline = time.monotonic() + 20
        while True:
            outbox.deliver(app.state.write_sessions, lane="background")
            with session_scope(app.state.read_sessions) as session:
                left = session.execute(select(OutboxRow.id, OutboxRow.attempts, OutboxRow.last_error)
                                       .where(OutboxRow.kind == receive.KIND)).all()
            if [r.id for r in left] == [bad_id] and left[0].attempts:
                break
            assert time.monotonic() < deadline, left
            time.sleep(0.02)
        assert left[0].attempts == 1 and "TypeError" in (left[0].last_error or "")
        assert _status(api, first["id"]) == "review"  # the failed event's move was rolled back with it
        assert _status(api, second["id"]) == "review"  # the event queued after it was done
        comments = [c["content"] for c in api.ok("GET", f"/v1/stories/{story['id']}/comments")]
        assert len(comments) == 1 and "abandoned" not in comments[0]
        with session_scope(app.state.read_sessions) as session:
            handled = session.execute(select(IntegrationDelivery.handled_at)
                                      .where(IntegrationDelivery.id == delivery_id)).scalar_one()
        assert handled is None  # its outcome was rolled back too: it is not done
    finally:
        with session_scope(app.state.write_sessions) as session:  # other tests' drain() fails on failed rows
            session.execute(delete(OutboxRow).where(OutboxRow.id == bad_id))


def test_an_event_with_nothing_to_do_is_recorded_handled_and_queues_nothing(client: TestClient, app: Any,
                                                                           gerrit: Any, repo: dict[str, Any]) -> None:
    with session_scope(app.state.read_sessions) as session:
        before = session.execute(select(OutboxRow.id).order_by(OutboxRow.id.desc()).limit(1)).scalar()
    plain = p.gerrit_event("patchset-created", p.gerrit_change(7101, repo["name"], "No footer here\n"))
    assert post_gerrit(client, gerrit, plain).json()["status"] == "accepted"
    assert post_gerrit(client, gerrit, p.gerrit_event("project-created", plain["change"])).json()["status"] == "ignored"
    assert post_gerrit(client, gerrit, plain).json()["status"] == "duplicate"
    with session_scope(app.state.read_sessions) as session:
        queued = session.execute(select(OutboxRow.id).where(OutboxRow.kind == receive.KIND,
                                                            OutboxRow.id > (before or 0))).all()
        handled = session.execute(select(IntegrationDelivery.handled_at).where(
            IntegrationDelivery.source_id == gerrit.source_id)).scalars().all()
    assert queued == [] and len(handled) == 2 and all(h is not None for h in handled)
    assert outcomes(app, gerrit) == ["no references", "ignored: nothing to do on project-created"]


def test_a_delivery_queues_background_work_and_wakes_no_lane_of_the_api(client: TestClient, app: Any, gerrit: Any,
                                                                         repo: dict[str, Any]) -> None:
    """Only the lanes that got rows are woken: an external lane woken by every integration delivery
    looked for e-mails and webhook calls in a write transaction of its own, each time for nothing. A
    delivery's work is the background lane's (a process of its own, or on SQLite a thread of its own):
    the API process's local and external lanes are not woken for it."""
    outbox.WAKE_EXTERNAL.clear()
    outbox.WAKE.clear()
    event = p.gerrit_event("patchset-created", p.gerrit_change(7102, repo["name"], "Fix it\n\nTask: 999999999\n"))
    assert post_gerrit(client, gerrit, event).json()["status"] == "accepted"
    assert not outbox.WAKE_EXTERNAL.is_set() and not outbox.WAKE.is_set()
    drain(app)
    session = app.state.write_sessions()
    try:
        outbox.enqueue(session, receive.KIND, {"n": 1})
        assert session.info[outbox.QUEUED] == {"background"}
        outbox.enqueue_many(session, "email", [{"n": 2}])
        assert session.info[outbox.QUEUED] == {"background", "external"}
        outbox.enqueue(session, "inbox", {"n": 3})
        assert session.info[outbox.QUEUED] == {"background", "external", "local"}
    finally:
        session.rollback()
        session.close()


def test_a_failing_event_amid_others_leaves_their_work_done_once(client: TestClient, app: Any, api: Api,
                                                                gerrit: Any, repo: dict[str, Any]) -> None:
    """Three abandons queued in one transaction, the middle one failing after its task moved: the
    transaction's work is rolled back and done again row by row; the two others are done exactly once
    (one comment each), the failing one counted and its move undone."""
    stories = [api.story(title=uniq("Batch ")) for _ in range(3)]
    tasks = [api.task(s["id"], repo["id"]) for s in stories]
    changes = [p.gerrit_change(7301 + i, repo["name"], f"Fix {i}\n\nTask: {t['id']}\n") for i, t in enumerate(tasks)]
    for change in changes:
        assert post_gerrit(client, gerrit, p.gerrit_event("patchset-created", change)).json()["status"] == "accepted"
    drain(app)
    assert [_status(api, t["id"]) for t in tasks] == ["review"] * 3
    src = Source(gerrit.source_id, gerrit.name, "gerrit", None, None, None, gerrit.bot_id)
    ids = []
    with session_scope(app.state.write_sessions) as session:  # one transaction: delivered together
        for i, change in enumerate(changes):
            ev, key = events.gerrit(p.gerrit_event("change-abandoned", dict(change, status="ABANDONED"),
                                                   reason="Not needed"), b"")
            if i == 1:
                ev["reason"] = 5  # its task moves back, then the bot's comment fails on it
            delivery_id = receive.record(session, src, key, ev)
            assert delivery_id is not None
            outbox.enqueue(session, receive.KIND, {"source_id": gerrit.source_id, "delivery_id": delivery_id,
                                                   "event": ev, "received": time.time()})
            ids.append(session.execute(select(OutboxRow.id).order_by(OutboxRow.id.desc()).limit(1)).scalar_one())
    try:
        deadline = time.monotonic() + 20
        while True:
            outbox.deliver(app.state.write_sessions, lane="background")
            with session_scope(app.state.read_sessions) as session:
                left = session.execute(select(OutboxRow.id, OutboxRow.attempts).where(OutboxRow.id.in_(ids))).all()
            if [r.id for r in left] == [ids[1]] and left[0].attempts:
                break
            assert time.monotonic() < deadline, left
            time.sleep(0.02)
        assert [_status(api, t["id"]) for t in tasks] == ["todo", "review", "todo"]
        said = [[c["content"] for c in api.ok("GET", f"/v1/stories/{s['id']}/comments")] for s in stories]
        assert [len(c) for c in said] == [2, 1, 2], said
        assert all("abandoned" in said[i][1] for i in (0, 2))
    finally:
        with session_scope(app.state.write_sessions) as session:
            session.execute(delete(OutboxRow).where(OutboxRow.id == ids[1]))


def test_the_local_lane_gives_way_to_a_write_waiting_for_the_sqlite_lock(database_url: str, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A request's write that waits for SQLite's one write lock waits for the lane's turn (a row here:
    each takes longer than `outbox.TURN`), not for the rest of its batch (the time budget is made long
    here, so that only the waiting write can end the lane's transaction)."""
    with lane_app(database_url, tmp_path) as app:
        lane = LaneAndWriter(app)
        order = lane.order
        monkeypatch.setitem(outbox.HANDLERS, "test-slow", lane.handler(lambda payload: f"row {payload['n']}"))
        monkeypatch.setitem(outbox.BUDGET, True, 60.0)
        with session_scope(app.state.write_sessions) as session:
            outbox.enqueue_many(session, "test-slow", [{"n": i} for i in range(20)])
        lane.deliver_all(20)
    assert "write" in order and order.index("write") <= 2, order
    assert sorted(o for o in order if o.startswith("row")) == sorted(f"row {i}" for i in range(20))
