"""People first: a person's request is admitted to the database before code review deliveries waiting
(api/admission.py), deliveries are not starved, and the outbox's local lane works in short turns and
pauses while people's requests are in the database (outbox.PEOPLE), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import payloads as p
import pytest
from builders import Api, uniq
from conftest import ORIGIN

from storyline import outbox, preview
from storyline.api import v1
from storyline.api.admission import MACHINE, MACHINE_EVERY, Gate, request_class
from storyline.db import session_scope
from storyline.preview import integrations as hooks

T = TypeVar("T")


def run(coro: Callable[[], Awaitable[T]]) -> T:
    """asyncio.run in a thread of its own (the test's thread may already run a loop)."""
    out: list[T] = []
    errors: list[BaseException] = []

    def main() -> None:
        try:
            out.append(asyncio.run(coro()))  # type: ignore[arg-type]
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=main)
    thread.start()
    thread.join(60)
    if errors:
        raise errors[0]
    assert out, "the scenario did not finish in 60 s"
    return out[0]


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.002)


def test_the_hook_routes_are_machine_deliveries_and_the_rest_interactive() -> None:
    routes = [(prefix, route) for prefix, routers in ((v1.PREFIX, v1.routers), (preview.PREFIX, preview.routers))
              for router in routers for route in router.routes]
    classes = {prefix + route.path: request_class({"route": route}) for prefix, route in routes}
    machine = {path for path, c in classes.items() if c == MACHINE}
    assert machine == {"/preview/hooks/gerrit/{source}/{secret}", "/preview/hooks/github/{source}",
                       "/preview/hooks/gitlab/{source}"}
    assert hooks.gerrit_hook.storyline_request_class == MACHINE  # type: ignore[attr-defined]
    assert classes["/v1/stories/{story_id}/comments"] == "interactive"


def test_a_persons_write_is_admitted_before_a_delivery_that_waited_longer(app: Any, api: Api, gerrit: Any,
                                                                         repo: dict[str, Any]) -> None:
    """Every place of the database's admission taken; a Gerrit delivery queues, then a person's comment;
    one place frees: the comment goes first (a FIFO gate, as before, served the delivery first and the
    comment waited for it), and the delivery is answered after it."""
    story = api.story(title=uniq("Admission "))
    event = p.gerrit_event("patchset-created", p.gerrit_change(880_001, repo["name"], "No footer here\n"))
    sqlite = app.state.engine.dialect.name == "sqlite"

    async def scenario() -> list[tuple[str, int]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://storyline.test") as http:
            warm = await http.post(f"/v1/stories/{story['id']}/comments", json={"content": "first"},
                                   headers=api.admin.headers)
            assert warm.status_code == 200, warm.text
            gate: Gate = app.state.db_gates[(asyncio.get_running_loop(), sqlite)]
            for _ in range(gate.size):  # requests in the database, as many as it admits
                await gate.acquire()
            order: list[tuple[str, int]] = []

            async def send(name: str, request: Awaitable[httpx.Response]) -> None:
                response = await request
                order.append((name, response.status_code))

            delivery = asyncio.create_task(send("delivery", http.post(
                gerrit.path, content=json.dumps(event).encode(),
                headers={"Content-Type": "application/json", "X-Origin-Url": ORIGIN})))
            await until(lambda: len(gate.machines) == 1)
            comment = asyncio.create_task(send("comment", http.post(
                f"/v1/stories/{story['id']}/comments", json={"content": "a person's comment"},
                headers=api.admin.headers)))
            await until(lambda: len(gate.people) == 1)
            gate.release()  # one place: one request at a time from here
            await asyncio.wait_for(asyncio.gather(delivery, comment), 30)
            for _ in range(gate.size - 1):
                gate.release()
            assert gate.busy == 0 and not gate.people and not gate.machines
            return order

    assert run(scenario) == [("comment", 200), ("delivery", 200)]


def test_deliveries_waiting_get_one_place_in_so_many_while_people_keep_coming() -> None:
    """No starvation: one place, a delivery waiting and then a stream of people's requests (each new one
    arriving before a place frees): the delivery is admitted after MACHINE_EVERY of them, not last."""

    async def scenario() -> list[str]:
        gate = Gate(1, machine_size=1)
        admitted: list[str] = []
        await gate.acquire()

        async def one(name: str, machine: bool) -> None:
            await gate.acquire(machine)
            admitted.append(name)
            await asyncio.sleep(0)
            gate.release(machine)

        tasks = [asyncio.create_task(one("delivery", True))]
        await asyncio.sleep(0)
        tasks += [asyncio.create_task(one(f"person {i}", False)) for i in range(3 * MACHINE_EVERY)]
        await asyncio.sleep(0)
        gate.release()
        await asyncio.gather(*tasks)
        return admitted

    admitted = run(scenario)
    assert len(admitted) == 3 * MACHINE_EVERY + 1
    assert admitted.index("delivery") == MACHINE_EVERY, admitted


def test_deliveries_hold_their_places_and_one_while_people_are_in() -> None:
    """Deliveries take at most `machine_size` places, and one while a person's request is in: a person
    arriving then is admitted at once; a third delivery waits until the person is done."""

    async def scenario() -> None:
        gate = Gate(4, machine_size=2)
        await gate.acquire(True)
        await gate.acquire(True)
        third = asyncio.create_task(gate.acquire(True))
        await asyncio.sleep(0.01)
        assert not third.done() and gate.machines_in == 2  # its cap, though places are free
        await asyncio.wait_for(gate.acquire(), 1)  # a person: at once
        gate.release(True)
        await asyncio.sleep(0.01)
        assert not third.done()  # one delivery at a time while the person is in
        gate.release()
        await asyncio.wait_for(third, 1)
        assert gate.machines_in == 2 and gate.people_in == 0
        gate.release(True)
        gate.release(True)
        assert gate.busy == 0

    run(scenario)


def test_deliveries_take_their_share_of_the_time_while_people_are_in() -> None:
    """While a person's request is in, a delivery that was in for t seconds is followed by a rest of
    t * (1 / share - 1) before the next delivery is admitted, though places are free; when no person is
    in any more, the next one goes in at once."""

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        gate = Gate(4, machine_size=2, machine_share=0.5)
        await gate.acquire()  # a person, in throughout
        await asyncio.wait_for(gate.acquire(True), 1)  # the first delivery: at once
        await asyncio.sleep(0.1)
        gate.release(True)  # in for 0.1 s: the next rests 0.1 s
        released = loop.time()
        nxt = asyncio.create_task(gate.acquire(True))
        await asyncio.sleep(0.05)
        assert not nxt.done() and gate.machines_in == 0  # resting, though three places are free
        await asyncio.wait_for(nxt, 1)  # the rest's end admits it: no place freed meanwhile
        assert loop.time() - released >= 0.095
        await asyncio.sleep(0.1)
        gate.release(True)
        third = asyncio.create_task(gate.acquire(True))
        await asyncio.sleep(0.02)
        assert not third.done()
        gate.release()  # the person is done: the rest no longer holds the delivery back
        await asyncio.wait_for(third, 0.05)
        gate.release(True)
        assert gate.busy == 0

    run(scenario)


def test_deliveries_alone_do_not_rest() -> None:
    """With no person's request in, deliveries follow one another at once, up to their cap."""

    async def scenario() -> None:
        gate = Gate(4, machine_size=2, machine_share=0.1)
        for _ in range(5):
            await asyncio.wait_for(gate.acquire(True), 0.05)
            await asyncio.sleep(0.02)
            gate.release(True)
        assert gate.busy == 0

    run(scenario)


def test_a_delivery_that_gives_up_waiting_leaves_its_place_to_the_next() -> None:
    async def scenario() -> None:
        gate = Gate(1, machine_size=1)
        await gate.acquire()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.02):
                await gate.acquire(True)
        assert not gate.machines
        nxt = asyncio.create_task(gate.acquire(True))
        await asyncio.sleep(0)
        gate.release()
        await asyncio.wait_for(nxt, 1)
        assert gate.machines_in == 1 and gate.people_in == 0
        gate.release(True)

    run(scenario)


def test_the_lane_ends_its_transaction_after_a_turn_while_people_are_in(app: Any,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows slower than the lane's turn, the time budget made long: with nobody's request in the
    database, the lane does them in one transaction; while a person's request is in, one per
    transaction (the locks it holds and the CPU it takes are a turn's)."""
    seen: list[tuple[int, Any]] = []

    def slow(session: Any, payload: dict[str, Any]) -> None:
        time.sleep(outbox.TURN * 1.5)
        seen.append((payload["n"], session.get_transaction()))

    monkeypatch.setitem(outbox.HANDLERS, "test-turn", slow)
    monkeypatch.setitem(outbox.BUDGET, True, 60.0)
    monkeypatch.setitem(outbox.BUDGET, False, 60.0)

    def transactions(rows: range) -> int:
        with session_scope(app.state.write_sessions) as session:
            outbox.enqueue_many(session, "test-turn", [{"n": n} for n in rows])
        deadline = time.monotonic() + 20
        while not set(rows) <= {n for n, _ in seen}:
            outbox.deliver(app.state.write_sessions)
            assert time.monotonic() < deadline
        return len({id(t) for n, t in seen if n in rows})

    assert transactions(range(4)) == 1
    outbox.PEOPLE.enter()
    try:
        assert transactions(range(10, 14)) == 4
    finally:
        outbox.PEOPLE.leave()


def test_the_servers_lane_pauses_while_people_are_in_until_they_are_done(monkeypatch: pytest.MonkeyPatch,
                                                                         app: Any) -> None:
    monkeypatch.setattr(outbox, "PAUSE", 5.0)
    pauses: list[float] = []
    outbox.PEOPLE.enter()
    try:
        lane = threading.Thread(target=outbox.deliver, args=(app.state.write_sessions,), kwargs={"pauses": pauses})
        lane.start()
        time.sleep(0.3)
        assert lane.is_alive() and not pauses  # waiting for the person
    finally:
        outbox.PEOPLE.leave()
    lane.join(2)
    assert not lane.is_alive()
    assert len(pauses) == 1 and 0.3 <= pauses[0] < 2
