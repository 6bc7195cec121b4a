"""Admission to the database: where a request waits, on the event loop, for its turn; people first.

A request is of one of two classes, decided from its route:

- **interactive** (the default): a person's request, through the web client, the CLI or a StoryBoard
  client. Someone waits for the answer.
- **machine**: a delivery a program sends and retries on its own (the code review webhooks of
  preview/integrations.py, marked with `@machine`). Nobody watches it; what matters is that every one
  is answered, not when within a second or two.

`Gate` (one per event loop and kind of request, api/deps.py) admits `size` requests at once. When
places free up, people waiting are admitted before machine requests waiting, so a person's write
never queues behind a burst of deliveries, only behind the requests already being served. Machine
requests also hold at most `machine_size` places at once, and one only while a person's request is
in the database, and then only `MACHINE_SHARE` of the time: after a delivery that was in for t
seconds, the next one waits t * (1 / MACHINE_SHARE - 1) seconds (at most `MACHINE_REST`) or until no
person's request is in. A burst then takes a small share of the process (its CPU, the threadpool,
SQLite's one writer) while people write, and all of it when they do not. No starvation: while people
and machine requests both wait, every `MACHINE_EVERY`-th admission goes to the oldest machine request
that may take a place, so a delivery waits for at most that many people's requests ahead of it per
place (and a rest), and each is answered (the webhook senders' timeouts are tens of seconds).

`PEOPLE` (outbox.PEOPLE) counts the people's requests admitted and not yet finished, in this process:
the outbox's local lane works in short turns and pauses while any is (outbox.deliver).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from storyline import outbox

INTERACTIVE = "interactive"
MACHINE = "machine"
# While people and machine requests both wait, one admission in this many goes to a machine request.
MACHINE_EVERY = 8
# While a person's request is in, deliveries are in the database at most this share of the time
# (one at a time), resting at most MACHINE_REST seconds between two. A fifth (0.2) made a 10,000-event
# burst under 8 writers last four times as long, for no better latency of theirs (benchmarks/README.md).
MACHINE_SHARE = 0.5
MACHINE_REST = 0.25

F = TypeVar("F", bound=Callable[..., Any])


def machine(endpoint: F) -> F:
    """Mark an endpoint's requests as machine deliveries (admitted after people's; see the module)."""
    endpoint.storyline_request_class = MACHINE  # type: ignore[attr-defined]
    return endpoint


def request_class(scope: Mapping[str, Any]) -> str:
    """The class of a request, from its route's endpoint (`@machine`); interactive by default. The
    endpoint routing.Router registers wraps the function (functools.wraps copies the mark)."""
    route = scope.get("route")
    endpoint = getattr(route, "endpoint", None)
    return str(getattr(endpoint, "storyline_request_class", INTERACTIVE))


class Gate:
    """`size` requests at once; people waiting are admitted before machine requests waiting; machine
    requests hold at most `machine_size` places (one while a person's request is in, `machine_share` of
    the time). Use on one event loop: `await acquire(machine)`, then `release(machine)`."""

    def __init__(self, size: int, machine_size: int, machine_every: int = MACHINE_EVERY,
                 machine_share: float = MACHINE_SHARE) -> None:
        self.size = size
        self.machine_size = max(1, min(machine_size, size))
        self.machine_every = machine_every
        self.people_in = 0
        self.machines_in = 0
        self.people: deque[asyncio.Future[None]] = deque()
        self.machines: deque[asyncio.Future[None]] = deque()
        self.people_since_machine = 0  # people admitted while a machine request waited
        self.machine_share = machine_share
        self.machine_admitted: deque[float] = deque()  # when each machine request in was admitted
        self.machine_rest_until = 0.0  # loop time: no machine admission before it while people are in
        self.timer: asyncio.TimerHandle | None = None

    @property
    def busy(self) -> int:
        return self.people_in + self.machines_in

    def _machine_may(self) -> bool:
        """May a machine request take a free place now (its own cap, its rest while people are in)?"""
        if not self.people_in:
            return self.machines_in < self.machine_size
        return self.machines_in < 1 and asyncio.get_running_loop().time() >= self.machine_rest_until

    async def acquire(self, machine: bool = False) -> None:
        if self.busy < self.size and not self.people and (not machine or (not self.machines and self._machine_may())):
            self._admit(machine)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self.machines if machine else self.people
        queue.append(waiter)
        if machine:
            self._wake_after_rest()
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release(machine)  # admitted just as it gave up (a timeout): the place goes on
            else:
                if waiter in queue:
                    queue.remove(waiter)
                self._wake()  # a machine request behind it may now be first
            raise

    def _admit(self, machine: bool) -> None:
        if machine:
            self.machines_in += 1
            self.machine_admitted.append(asyncio.get_running_loop().time())
            self.people_since_machine = 0
        else:
            self.people_in += 1
            outbox.PEOPLE.enter()
            if self.machines:
                self.people_since_machine += 1

    def release(self, machine: bool = False) -> None:
        if machine:
            self.machines_in -= 1
            now = asyncio.get_running_loop().time()
            spent = now - self.machine_admitted.popleft() if self.machine_admitted else 0.0
            if self.people_in:
                self.machine_rest_until = now + min(MACHINE_REST, spent * (1 / self.machine_share - 1))
        else:
            self.people_in -= 1
            outbox.PEOPLE.leave()
        self._wake()

    def _wake(self) -> None:
        while self.busy < self.size:
            machine_may = bool(self.machines) and self._machine_may()
            if self.machines and not machine_may:
                self._wake_after_rest()
            machine_due = machine_may and (not self.people or self.people_since_machine >= self.machine_every)
            if machine_due:
                queue, is_machine = self.machines, True
            elif self.people:
                queue, is_machine = self.people, False
            else:
                return
            waiter = queue.popleft()
            if waiter.done():  # cancelled while queued (its acquire removes it too)
                continue
            self._admit(is_machine)
            waiter.set_result(None)

    def _wake_after_rest(self) -> None:
        """Look at the machine requests waiting again when their rest ends (if people are still in,
        nothing else would: a place freeing up calls _wake, the end of a rest does not)."""
        loop = asyncio.get_running_loop()
        if self.timer is None and self.people_in and loop.time() < self.machine_rest_until:
            self.timer = loop.call_at(self.machine_rest_until, self._rested)

    def _rested(self) -> None:
        self.timer = None
        self._wake()
