"""For tests of the outbox's local lane on SQLite: a slow outbox handler that, at its first row, starts a
request-like write which then waits for the write lock the lane holds."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from builders import app_on
from migrated import migrated_sqlite

from storyline import outbox
from storyline.db import session_scope, write_lock


@contextlib.contextmanager
def lane_app(database_url: str, directory: Path) -> Iterator[Any]:
    """An app of its own on a new SQLite database (skipped on PostgreSQL), its lifespan not started: no
    other lane takes the rows, and no other test holds its pool's connections (a writer that waited for a
    connection rather than for the write lock would not be seen waiting by the lane)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: the lane gives way to writers waiting for SQLite's database-wide write lock; PostgreSQL has none (it locks rows)")
    with app_on(migrated_sqlite(directory / "lane.db")) as application:
        yield application


class LaneAndWriter:
    """`handler(label)`: an outbox handler whose rows each take longer than the lane's turn and append
    `label(payload)` to `order`; the first one starts a write that appends "write" once it has the lock."""

    def __init__(self, app: Any) -> None:
        lock = write_lock(app.state.engine)
        if lock is None:
            pytest.skip("SQLite only: the lane gives way to writers waiting for SQLite's database-wide write lock; PostgreSQL has none (it locks rows)")
        self.app = app
        self.lock = lock
        self.order: list[str] = []
        self.writer: threading.Thread | None = None

    def _write(self) -> None:
        with session_scope(self.app.state.write_sessions) as session:
            session.connection()  # the write lock, then BEGIN IMMEDIATE
            self.order.append("write")

    def handler(self, label: Callable[[dict[str, Any]], str]) -> Callable[[Any, dict[str, Any]], None]:
        def slow(session: Any, payload: dict[str, Any]) -> None:
            if self.writer is None:  # the first row: a write arrives while the lane holds the lock
                self.writer = threading.Thread(target=self._write)
                self.writer.start()
                deadline = time.monotonic() + 5
                while not self.lock.waiting and time.monotonic() < deadline:
                    time.sleep(0.001)
                assert self.lock.waiting, f"the write never queued for the lock ({self.app.state.engine.pool.status()})"
            time.sleep(outbox.TURN * 1.5)  # every row takes longer than the lane's turn
            self.order.append(label(payload))
        return slow

    def deliver_all(self, rows: int) -> None:
        """Run the lane until `rows` rows were handled, then wait for the write."""
        deadline = time.monotonic() + 30
        while sum(o != "write" for o in self.order) < rows:
            outbox.deliver(self.app.state.write_sessions)
            assert time.monotonic() < deadline, self.order
        assert self.writer is not None
        self.writer.join(5)
