"""The lanes of every process serving a database give way to people's requests in any of them
(outbox.People.share): with `storyline serve --workers N`, a burst's work in one process pauses while a
person's write is in another. Real processes, a real flock on the database's people file."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from storyline import outbox
from storyline.db import people_file

_CHILD = """
import sys, time
from storyline.outbox import People
people = People()
people.share(sys.argv[1])
for line in sys.stdin:
    if line.strip() == "enter":
        people.enter()
    elif line.strip() == "leave":
        people.leave()
    print("ok", flush=True)
"""


class Child:
    """Another process with a People of its own on the same file."""

    def __init__(self, path: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD, path], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def say(self, what: str) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(what + "\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "ok"

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


def test_people_in_another_process_make_this_ones_lane_give_way(tmp_path: Path) -> None:
    path = str(tmp_path / "storyline.db-people")
    here = outbox.People()
    here.share(path)
    child = Child(path)
    try:
        child.say("noop")
        assert not here.busy
        child.say("enter")
        assert here.busy                      # the other process's person
        child.say("enter")
        child.say("leave")
        assert here.busy                      # still one in
        child.say("leave")
        assert not here.busy

        here.enter()                          # this process's own, seen by its own probe too
        assert here.busy
        here.leave()
        assert not here.busy

        # wait_idle returns once the other process's people are out, before its timeout
        child.say("enter")
        threading.Timer(0.1, child.say, ["leave"]).start()
        started = time.monotonic()
        here.wait_idle(5.0)
        waited = time.monotonic() - started
        assert 0.05 < waited < 2.0, waited
        assert not here.busy
        # and gives up at its timeout while they stay
        child.say("enter")
        started = time.monotonic()
        here.wait_idle(0.1)
        assert 0.09 < time.monotonic() - started < 1.0
        assert here.busy
    finally:
        child.close()
        here.unshare(path)
    assert not here.busy                      # the child is gone, and so is its lock


def test_a_second_process_sharing_first_sees_people_already_in(tmp_path: Path) -> None:
    path = str(tmp_path / "db-people")
    child = Child(path)
    try:
        child.say("enter")
        late = outbox.People()
        late.share(path)
        assert late.busy
        late.unshare(path)
        assert not late.busy                  # no longer hears of others once unshared
    finally:
        child.close()


def test_the_server_shares_its_databases_people_file(client: Any, database_url: str) -> None:
    """The app's lifespan (the client runs it) shares the file of its database (beside an SQLite file; in the temporary
    directory for PostgreSQL): another process entering there makes the app's lane give way."""
    path = people_file(database_url)
    assert path is not None and Path(path).exists()
    child = Child(path)
    try:
        child.say("enter")
        assert outbox.PEOPLE.busy
        child.say("leave")
        assert not outbox.PEOPLE.busy or outbox.PEOPLE._count > 0
    finally:
        child.close()
