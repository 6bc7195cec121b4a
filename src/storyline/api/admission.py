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
in the database: a burst then takes a small share of the process (its CPU, the threadpool, SQLite's one
writer) while people write, and all of it when they do not. No starvation: while people and machine
requests both wait, every `MACHINE_EVERY`-th admission goes to the oldest machine request that may
take a place, so a delivery waits for at most that many people's requests ahead of it per place, and
each is answered (the webhook senders' timeouts are tens of seconds).

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
    requests hold at most `machine_size` places (one while a person's request is in). Use on one event
    loop: `await acquire(machine)`, then `release(machine)`."""

    def __init__(self, size: int, machine_size: int, machine_every: int = MACHINE_EVERY) -> None:
        self.size = size
        self.machine_size = max(1, min(machine_size, size))
        self.machine_every = machine_every
        self.people_in = 0
        self.machines_in = 0
        self.people: deque[asyncio.Future[None]] = deque()
        self.machines: deque[asyncio.Future[None]] = deque()
        self.people_since_machine = 0  # people admitted while a machine request waited

    @property
    def busy(self) -> int:
        return self.people_in + self.machines_in

    def _machine_may(self) -> bool:
        """May a machine request take a free place now (its own cap)?"""
        return self.machines_in < (1 if self.people_in else self.machine_size)

    async def acquire(self, machine: bool = False) -> None:
        if self.busy < self.size and not self.people and (not machine or (not self.machines and self._machine_may())):
            self._admit(machine)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self.machines if machine else self.people
        queue.append(waiter)
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
            self.people_since_machine = 0
        else:
            self.people_in += 1
            outbox.PEOPLE.enter()
            if self.machines:
                self.people_since_machine += 1

    def release(self, machine: bool = False) -> None:
        if machine:
            self.machines_in -= 1
        else:
            self.people_in -= 1
            outbox.PEOPLE.leave()
        self._wake()

    def _wake(self) -> None:
        while self.busy < self.size:
            machine_due = bool(self.machines) and self._machine_may() and (
                not self.people or self.people_since_machine >= self.machine_every)
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
