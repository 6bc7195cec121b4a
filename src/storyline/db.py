"""Engine, Base with a naming convention, and the one-transaction-per-request session."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC timestamp, whole seconds (what v1 reads show)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# What a database that is down, frozen or saturated raises: background threads wait and retry quietly
# (health.py logs the outage once), requests get a 503.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)


class WriteBusy(SQLAlchemyError):
    """The SQLite write lock could not be had within the time the caller allowed."""


class FifoLock:
    """A lock handed to its waiters in the order they came.

    `threading.Lock` wakes a waiter on release but lets any thread take the lock first, the releasing
    one included: under contention some writers barge ahead again and again while one waits many
    times the lock's hold (the tail latency of concurrent writes). Here a release hands the lock to
    the oldest waiter directly."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: collections.deque[threading.Lock] = collections.deque()

    @property
    def queued(self) -> int:
        """Threads in the queue now: counted only once a thread has joined it, never while it is still
        on its way (a lock that looked wanted, given up, could be taken again by its holder first)."""
        return len(self._waiters)

    def acquire(self, timeout: float = -1) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by release()
        with self._mutex:
            try:
                self._waiters.remove(turn)
            except ValueError:
                return True  # handed over just as the wait ran out: ours
        return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # stays held: now the oldest waiter's
            else:
                self._held = False


class SQLiteWriteLock:
    """One SQLite write transaction at a time, queued in the order writers arrive.

    SQLite has one write lock per database file. Left to itself, a writer that finds it taken sleeps
    and polls (the busy handler: sleeps of up to 100 ms), so under contention writers wait far longer
    than the lock is held, and every waiting writer holds a pooled connection meanwhile. Instead, a
    write transaction first takes this lock: a thread lock for the writers of this process, then an
    advisory `flock` on `<database>-writelock` for those of other processes (`--workers`, the CLI,
    `storyline worker`), whose release wakes the next waiter at once. `BEGIN IMMEDIATE` then finds
    the database lock free. Taken when a write connection begins, released when it returns to the
    pool (after its commit or rollback).
    """

    def __init__(self, path: str) -> None:
        self.path = f"{path}-writelock"
        self.thread_lock = FifoLock()
        self._fd: int | None = None
        self._pid = 0

    @property
    def waiting(self) -> int:
        """Writers of this process queued for the lock: the outbox's local lane ends its transaction
        early and gives way when someone waits (outbox.deliver); the lock then goes to them first."""
        return self.thread_lock.queued

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked process opens its own
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, wait: float | None = None) -> None:
        """Block until this process and then this file are ours; `wait`: give up after that many seconds."""
        if not self.thread_lock.acquire(timeout=-1 if wait is None else wait):
            raise WriteBusy("another write is in progress", None, None)
        try:
            fd = self._file()
            if wait is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
                return
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise WriteBusy("another process is writing", None, None) from None
                    time.sleep(0.005)
        except BaseException:
            self.thread_lock.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self.thread_lock.release()


WAL_AUTOCHECKPOINT_PAGES = 10_000


class WalCheckpointer:
    """Copies SQLite's write-ahead log into the database file every second, in a thread of its own.

    Left to SQLite, the write that crosses the WAL's checkpoint threshold does the checkpoint and its
    fsync before it commits: one write in a few hundred waited tens of milliseconds. A PASSIVE
    checkpoint here never blocks a reader or a writer (it copies what no reader still needs), and the
    sqlite3 driver releases the GIL while it runs.
    """

    def __init__(self, path: str, interval: float = 1.0) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="storyline-wal-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        import logging
        import sqlite3

        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(self.interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error:
                    logging.getLogger("storyline").debug("WAL checkpoint failed", exc_info=True)
        finally:
            conn.close()


# An SQLite engine's write lock, by the engine's dialect (shared by the engine's option proxies,
# kept when the pool is recreated).
_WRITE_LOCKS: weakref.WeakKeyDictionary[Any, SQLiteWriteLock] = weakref.WeakKeyDictionary()


def write_lock(bind: Any) -> SQLiteWriteLock | None:
    """The write lock of an SQLite engine (or of one of its connections), None for any other."""
    return _WRITE_LOCKS.get(bind.dialect)


def sqlite_path(url: str) -> str:
    return url.split("///", 1)[1] if "///" in url else ""


def people_file(url: str) -> str | None:
    """The file through which the processes of this machine serving the database at `url` tell one
    another that people's requests are in (outbox.People.share): beside an SQLite database, in the
    temporary directory for PostgreSQL (one per server and database); None for an in-memory database."""
    if is_sqlite(url):
        path = sqlite_path(url)
        return None if not path or path == ":memory:" else f"{path}-people"
    where = make_url(url)
    key = hashlib.sha256(f"{where.host}:{where.port}/{where.database}".encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"storyline-people-{key}")


class _SQLiteCompiler(SQLiteCompiler):
    """SQLite's statement compiler, writing a table's hint (`Select.with_hint(table, text, "sqlite")`)
    after its name: `FROM stories INDEXED BY ix_stories_updated_at`, or `NOT INDEXED`. SQLAlchemy's own
    SQLite compiler drops table hints without a word (search/paging.py's were never sent before this)."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def make_engine(url: str, echo: bool = False, pool_size: int = 20, pool_timeout: float = 30.0,
                connect_timeout: int = 10) -> Engine:
    if is_sqlite(url):
        path = sqlite_path(url)
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Connections are held only by the one writer (SQLiteWriteLock), the reads running on the
        # event loop one at a time, the threadpool's requests and the worker: never many at once.
        in_memory = not path or path == ":memory:"  # one connection (SingletonThreadPool): no pool sizes
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30},
            **({} if in_memory else {"pool_size": 10, "max_overflow": 40, "pool_timeout": pool_timeout}),
        )
        engine.dialect.statement_compiler = _SQLiteCompiler
        lock = SQLiteWriteLock(path) if path and path != ":memory:" else None
        if lock is not None:
            _WRITE_LOCKS[engine.dialect] = lock

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # The sqlite3 driver's own transaction handling is replaced by explicit BEGINs below,
            # so that a write transaction takes its lock up front (no upgrade deadlocks).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            # A write transaction that fills the WAL past this many pages checkpoints it itself (and
            # waits for the fsync); WalCheckpointer does it in the background long before that.
            cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            options = conn.get_execution_options()
            if not options.get("storyline_write", False):
                conn.exec_driver_sql("BEGIN")
                return
            record = conn.connection._connection_record
            if lock is not None and not record.info.get("storyline_write_lock"):
                lock.acquire(options.get("storyline_write_wait"))
                record.info["storyline_write_lock"] = True
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(record)
                raise

        def _release(record: Any) -> None:
            if lock is not None and record is not None and record.info.pop("storyline_write_lock", False):
                lock.release()

        @event.listens_for(engine, "checkin")
        def _checkin(_dbapi_conn, record):  # type: ignore[no-untyped-def]
            _release(record)

        @event.listens_for(engine, "close")
        def _close(_dbapi_conn, record):  # type: ignore[no-untyped-def]
            _release(record)

        return engine
    # api/deps.py admits at most `pool_size` requests at once; the overflow serves the token-use
    # note, the worker and the probes. A connection attempt gives up after `connect_timeout`.
    # JIT off: the visibility rule makes the planner's cost estimates of ordinary reads high enough
    # for PostgreSQL to JIT-compile statements that run in 10-40 ms, spending 400-700 ms compiling
    # them (the search's `is:open` as a signed-in user: 254 ms of server CPU with JIT, 8 without).
    return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size // 2 + 5,
                         pool_pre_ping=True, pool_timeout=pool_timeout,
                         connect_args={"connect_timeout": connect_timeout, "options": "-c jit=off"})


def end_read(session: Session) -> None:
    """End a transaction that wrote nothing, as a COMMIT (the same, for it, as a ROLLBACK).

    On PostgreSQL, psycopg forgets every statement it has prepared on a connection at each ROLLBACK
    (in case the transaction created objects they use). Each statement is then parsed and planned
    again on every run until it has run 5 times more on that connection, back in the pool. The
    outbox's threads, polling an empty outbox and rolling back, did this several times a second to
    every connection: half the statements of a burst of code review events were planned again, and
    planning the fan-out check of a story event (0.4 ms) took more of PostgreSQL's CPU than any
    statement's execution (docs/integrations.md). A transaction that wrote nothing and may be
    rolled back by its error path still is; this is for its ordinary end.
    """
    session.commit()


def make_sessionmaker(engine: Engine, write: bool = True, info: dict[str, Any] | None = None) -> sessionmaker[Session]:
    """Sessions for writes take SQLite's write lock when they begin; read sessions do not. `info`: what
    every session's `info` starts with."""
    bind = engine.execution_options(storyline_write=True) if write else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True, info=info)


def insert_missing(session: Session, table: Any, rows: list[dict[str, Any]], unique: list[str]) -> None:
    """INSERT the rows, skipping those whose `unique` columns another transaction already wrote.

    For values two requests may create at once (a new tag added to two stories): the loser of the
    race waits for the winner's commit (PostgreSQL) and then reuses its row instead of failing.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    session.execute(insert(table).values(rows).on_conflict_do_nothing(index_elements=unique))


@contextlib.contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """`with session_scope(factory) as session:` one transaction: committed when the block ends
    normally (a `return` inside it included), rolled back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# SQLSTATEs of integrity errors that a race between two requests produces (PostgreSQL), and the
# SQLite messages of the same: a unique value taken, a referenced row deleted meanwhile.
_RACE_STATES = {"23505", "23503"}
_RACE_MESSAGES = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")


def is_race(exc: IntegrityError) -> bool:
    """Is this integrity error a lost race (409), rather than a bug (NOT NULL, CHECK: 500)?"""
    state = getattr(exc.orig, "sqlstate", None)
    if state is not None:
        return state in _RACE_STATES
    return str(exc.orig).startswith(_RACE_MESSAGES)


__all__ = ["Base", "TimestampMixin", "utcnow", "make_engine", "make_sessionmaker"]
