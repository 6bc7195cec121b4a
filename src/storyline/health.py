"""Is the database answering? One watcher per API process, so that an outage is a quick 503.

A PostgreSQL server that is down refuses connections at once, but one that is frozen (stopped,
overloaded, a network partition) accepts them and never answers: a request would hang as long as
the outage lasts. A thread pings the database every second over a connection of its own; when no
ping has succeeded for `down_after` seconds, or a request met a connection error, the database is
*down*: new requests are answered 503 at once, and requests already waiting on it are answered 503
too (their thread is left to finish when the database comes back). One log line when it goes down,
one when it comes back, never a traceback per request.

SQLite is a file in this process: it has no outage of this kind and no watcher.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger("storyline.health")


class DatabaseHealth:
    def __init__(self, engine: Engine, connect_timeout: int = 3, interval: float = 1.0,
                 down_after: float = 3.0) -> None:
        self.engine = engine
        self.watched = engine.dialect.name != "sqlite"
        self.connect_timeout = connect_timeout
        self.interval = interval
        self.down_after = down_after
        self.last_ok = time.monotonic()
        self.failed: str | None = None  # why the database is down, when a request or ping failed
        self._reported_down = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- state -------------------------------------------------------------------------------
    @property
    def up(self) -> bool:
        if not self.watched:
            return True
        down = self.failed is not None or time.monotonic() - self.last_ok > self.down_after
        if down:
            self._report_down(self.failed or f"no answer for {self.down_after:.0f} s")
        return not down

    def failure(self, reason: str) -> None:
        """A request or ping could not reach the database."""
        if self.watched:
            self.failed = reason
            self._report_down(reason)

    def _ok(self) -> None:
        self.last_ok = time.monotonic()
        self.failed = None
        with self._lock:
            if self._reported_down:
                self._reported_down = False
                log.warning("database reachable again")

    def _report_down(self, reason: str) -> None:
        with self._lock:
            if not self._reported_down:
                self._reported_down = True
                log.error("database unavailable (%s): answering 503 until it is back", reason)

    # -- the watcher -------------------------------------------------------------------------
    def start(self) -> None:
        if self.watched and self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="storyline-db-health", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _connect(self) -> Any:
        import psycopg

        url = self.engine.url
        return psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                               dbname=url.database, connect_timeout=self.connect_timeout, autocommit=True)

    def _watch(self) -> None:
        conn = None
        while not self._stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = self._connect()
                conn.execute("SELECT 1")  # blocks while the server is frozen: last_ok then ages
                self._ok()
            except Exception as exc:  # noqa: BLE001 - any failure to reach it: down, and a new connection next time
                self.failure(_short(exc))
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:
                        log.debug("closing the health connection failed", exc_info=True)
                conn = None
            self._stop.wait(self.interval)
        if conn is not None:
            conn.close()


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def is_connection_error(exc: BaseException) -> bool:
    """An error about reaching the database (no SQLSTATE: refused, reset, timed out), not about a
    statement."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) is None


__all__ = ["DatabaseHealth", "is_connection_error"]
