"""The outbox: work a change causes beyond its own rows, recorded in the change's transaction and
done after it commits.

A write records what must follow from it as an `outbox` row in its own transaction, so nothing
acknowledged can be lost, and commits without doing that work: a comment on a story with a thousand
followers commits as fast as on a story with none. Rows are of two lanes:

- **local** work that stays in the database (a story event's inbox rows, the e-mails it causes, a
  code review event's work): `deliver` claims a few rows in one transaction (FOR UPDATE SKIP LOCKED
  on PostgreSQL, so several processes share the work; SQLite has one writer at a time anyway), does
  each in a savepoint of its own (a failing row is rolled back alone and counted, the others go on)
  and deletes the rows in the transaction that did their work: done exactly once, even after a crash.
  A transaction takes at most `PER_TRANSACTION` rows and starts no new one after `BUDGET` seconds
  (SQLite: short, since its one writer holds up every other write meanwhile).
- **external** effects that leave the database (an e-mail sent over SMTP, a webhook call):
  `deliver_external` claims a few rows for a lease (a short write transaction), does each one
  outside any transaction (a slow mail server never holds SQLite's write lock nor a PostgreSQL row
  lock), then deletes it. A crash between the effect and the delete repeats the effect once the
  lease has run out, with the same identity (the e-mail's Message-ID, the webhook's delivery id), so
  the receiver can tell it is a repetition: at least once, never lost.

A failed row is tried again later with exponential backoff (`retry_base` seconds, doubled at each
attempt); after `max_attempts` it is parked: left aside, listed for superusers
(`/preview/outbox`, `storyline outbox list`), who can send it again (`retry`). An effect that can
never succeed (`Permanent`, e.g. a mail address the server refuses) is parked at once.

`OutboxThread` runs in every API process (and in `storyline worker`), one per lane: woken at once
when a request of this process committed outbox rows, and every second otherwise (rows of other
processes, or left by a crash). Readers of the inbox wait until the local rows written before their
request are delivered (`delivered`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from storyline.db import DATABASE_UNAVAILABLE, Base, SQLiteWriteLock, end_read, utcnow, write_lock
from storyline.sqltools import table_of

log = logging.getLogger("storyline.outbox")


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[Any] = mapped_column(DateTime, default=utcnow, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Not before (a retry's backoff); NULL: at once.
    next_attempt_at: Mapped[Any] = mapped_column(DateTime, nullable=True)
    # External lane: claimed by a sender until then (a crashed sender's rows are taken again after it).
    claimed_until: Mapped[Any] = mapped_column(DateTime, nullable=True)
    # Set when the row was parked (attempts used up, or a permanent failure).
    parked_at: Mapped[Any] = mapped_column(DateTime, nullable=True)


class Permanent(Exception):
    """An effect that cannot succeed however often it is tried: the row is parked at once."""


class Policy:
    """Retries: at most `max_attempts`, the n-th retry `retry_base * 2**(n-1)` seconds after the
    failure (at most an hour); `lease` seconds for an external row claimed by a sender."""

    max_attempts = 8
    retry_base = 15.0
    lease = 120.0

    @classmethod
    def configure(cls, *, max_attempts: int | None = None, retry_base: float | None = None,
                  lease: float | None = None) -> None:
        if max_attempts is not None:
            cls.max_attempts = max_attempts
        if retry_base is not None:
            cls.retry_base = retry_base
        if lease is not None:
            cls.lease = lease

    @classmethod
    def backoff(cls, attempts: int) -> dt.timedelta:
        return dt.timedelta(seconds=min(3600.0, cls.retry_base * 2 ** max(0, attempts - 1)))


# kind -> function(session, payload): local work, in the delivering transaction.
HANDLERS: dict[str, Callable[[Session, dict[str, Any]], None]] = {}
# kind -> function(read_session, payload): an external effect, outside any write transaction. It may
# read through the session it is given; it raises to have the row tried again.
EXTERNAL: dict[str, Callable[[Session, dict[str, Any]], None]] = {}
# The kinds of the external lane, known before their handlers are imported (statements are built once).
EXTERNAL_KINDS = ("email", "webhook")
# The kinds of the background lane: local work nobody waits for at once, which comes in bursts (a code
# review event's work: thousands when a project is rebased). Done by a process of its own at a low CPU
# priority on PostgreSQL (outbox/background.py), so that it takes the CPU people's requests leave; by
# a thread of each API process on SQLite (setting background_lane).
BACKGROUND_KINDS = ("integration",)
LANES = ("local", "external", "background")
# The lanes done in a delivering transaction, in the order a full drain takes them (`storyline worker
# --once`, tests): the background lane's work may queue local rows (inbox, notifications).
DRAIN_ORDER = ("background", "local")
# Set when this process committed outbox rows (api/deps.py); the thread of their lane wakes at once.
WAKE = threading.Event()
WAKE_EXTERNAL = threading.Event()
WAKE_BACKGROUND = threading.Event()
_WAKES = {"local": WAKE, "external": WAKE_EXTERNAL, "background": WAKE_BACKGROUND}
# session.info key: the lanes (LANES) of the rows the session's transaction queued.
QUEUED = "storyline_outbox"


def lane_of(kind: str) -> str:
    return "external" if kind in EXTERNAL_KINDS else "background" if kind in BACKGROUND_KINDS else "local"


_local = OutboxRow.kind.notin_(EXTERNAL_KINDS + BACKGROUND_KINDS)
_background = OutboxRow.kind.in_(BACKGROUND_KINDS)
_external = OutboxRow.kind.in_(EXTERNAL_KINDS)
_due = and_(OutboxRow.parked_at.is_(None),
            or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= bindparam("now")))

# The statements of a write and of a delivery, built once (Core, on the session's connection: the
# ORM's unit of work costs several times what these statements do).
_ENQUEUE = insert(table_of(OutboxRow)).values(
    kind=bindparam("kind"), payload=bindparam("payload"), created_at=bindparam("created_at"), attempts=0)
# The lanes whose rows are done in a delivering transaction (deliver), by the rows they take.
_IN_TRANSACTION = {"local": _local, "background": _background}
_OLDEST = {lane: select(OutboxRow.id, OutboxRow.kind, OutboxRow.payload, OutboxRow.attempts).where(of, _due)
           .order_by(OutboxRow.id).limit(bindparam("limit")) for lane, of in _IN_TRANSACTION.items()}
# by lane and "is the dialect SQLite": PostgreSQL claims the rows (several processes share the work)
_NEXT = {(lane, sqlite): oldest if sqlite else oldest.with_for_update(skip_locked=True)
         for lane, oldest in _OLDEST.items() for sqlite in (True, False)}
# Whether a lane has rows due, asked without a write transaction (on SQLite one takes the write lock).
_ANY_DUE = {lane: select(OutboxRow.id).where(of, _due).limit(1) for lane, of in _IN_TRANSACTION.items()}
_DONE = delete(table_of(OutboxRow)).where(OutboxRow.id == bindparam("row_id"))
_DONE_MANY = delete(table_of(OutboxRow)).where(OutboxRow.id.in_(bindparam("ids", expanding=True)))
_FAILED = (update(table_of(OutboxRow)).where(OutboxRow.id == bindparam("row_id"))
           .values(attempts=bindparam("attempts"), last_error=bindparam("last_error"), claimed_until=None,
                   next_attempt_at=bindparam("next_attempt_at"), parked_at=bindparam("parked_at")))
_CLAIMABLE = (select(OutboxRow.id).where(
    _external, _due, or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < bindparam("now")))
    .order_by(OutboxRow.id).limit(bindparam("batch")))
_CLAIMS = {True: _CLAIMABLE, False: _CLAIMABLE.with_for_update(skip_locked=True)}
_CLAIM = (update(table_of(OutboxRow)).where(OutboxRow.id.in_(bindparam("ids", expanding=True)))
          .values(claimed_until=bindparam("until")))
_CLAIMED = (select(OutboxRow.id, OutboxRow.kind, OutboxRow.payload)
            .where(OutboxRow.id.in_(bindparam("ids", expanding=True))).order_by(OutboxRow.id))


def wake(lanes: Iterable[str] = LANES) -> None:
    """Tell this process's outbox threads of `lanes` (both by default) that rows were committed. Only
    the lanes that got rows are woken: during a burst of code review events (local rows) an external
    lane woken by each commit looked for work it never had, in a write transaction of its own."""
    for lane in lanes:
        _WAKES[lane].set()


def _queued(session: Session, kind: str) -> None:
    session.info.setdefault(QUEUED, set()).add(lane_of(kind))


def enqueue(session: Session, kind: str, payload: dict[str, Any]) -> None:
    session.connection().execute(_ENQUEUE, {"kind": kind, "payload": json.dumps(payload, default=str),
                                            "created_at": utcnow()})
    _queued(session, kind)


def enqueue_many(session: Session, kind: str, payloads: list[dict[str, Any]]) -> None:
    """Several rows of one kind in one statement (the e-mails of one event)."""
    if not payloads:
        return
    now = utcnow()
    session.connection().execute(_ENQUEUE, [
        {"kind": kind, "payload": json.dumps(p, default=str), "created_at": now} for p in payloads])
    _queued(session, kind)


BATCH = 100
# Local rows done in one transaction: at most PER_TRANSACTION, and no new one begun after BUDGET
# seconds (by "is the dialect SQLite": there the transaction holds the one write lock, and every
# other write, a webhook's delivery or a person's comment, waits for it; PostgreSQL locks only the
# rows written, and saves a commit and its round trips per row, but a row it locks (a story, a
# project's updated_at) makes a person's write on it wait until the commit: 100 ms, where a burst of
# code review events cost a fifth less CPU per event than with 50 ms, as little as with 250 ms).
PER_TRANSACTION = 50
BUDGET = {True: 0.03, False: 0.1}
# SQLite: when a writer of this process waits for the write lock (a request's write), the lane's
# transaction ends once it has worked this long (after the row in hand): the writer waits for a few
# milliseconds, not for the batch. The lock goes to its waiters in the order they came (db.FifoLock),
# so the lane's next transaction queues behind that writer.
TURN = 0.01


class People:
    """People's requests now in the database: admitted by api/admission.Gate (an interactive request,
    not a machine delivery) and not yet finished, in this process and (`share`) in every process of
    this machine serving the same database (`storyline serve --workers N`, `storyline worker`). While
    any is, the local lane
    ends its transaction once it has worked `TURN` seconds (after the unit in hand), on both engines,
    and the server's lane (`OutboxThread`) pauses before each transaction until none is, for at most
    `PAUSE` seconds: with people writing, the lane's work (a burst of code review events) takes about
    TURN / (TURN + PAUSE) of the time, its row locks (PostgreSQL) or the write lock (SQLite) are held
    for a turn, and the process's CPU (one interpreter lock for the event loop, the requests' threads
    and the lane) goes to the people first; with nobody writing, the lane works at full speed.

    Across processes: a process holds a shared `flock` on the database's people file (db.people_file)
    while any of its people's requests is in; a lane asks whether anyone holds one by trying, without
    waiting, for an exclusive lock on a second descriptor of that file (the lock is per descriptor, so
    its own process's shared lock counts too), and gives it back at once."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()
        self._files: dict[str, tuple[int, int]] = {}  # path: (the descriptor we lock shared, the probe's)
        self._shares: dict[str, int] = {}  # path: apps of this process sharing it

    def share(self, path: str) -> None:
        """Tell the other processes of this machine serving the same database about this one's
        people, and hear of theirs, through the file at `path` (created if missing); `unshare` ends it."""
        with self._lock:
            self._shares[path] = self._shares.get(path, 0) + 1
            if path in self._files:
                return
            ours = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._files[path] = (ours, os.open(path, os.O_RDWR | os.O_CLOEXEC))
            if self._count > 0:
                fcntl.flock(ours, fcntl.LOCK_SH)

    def unshare(self, path: str) -> None:
        with self._lock:
            self._shares[path] = self._shares.get(path, 1) - 1
            if self._shares[path] > 0:
                return
            del self._shares[path]
            files = self._files.pop(path, None)
            if files is not None:
                for fd in files:
                    os.close(fd)

    @property
    def busy(self) -> bool:
        if self._count > 0:
            return True
        if not self._files:
            return False
        with self._lock:  # no descriptor closed by `unshare` (and its number reused) while probed
            for _, probe in self._files.values():
                try:
                    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True  # another process has people in
                fcntl.flock(probe, fcntl.LOCK_UN)
        return self._count > 0

    def wait_idle(self, timeout: float) -> None:
        """Until nobody's people are in (this process's, then the others'), at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        self.idle.wait(timeout)
        while self._files and time.monotonic() < deadline and self.busy:
            time.sleep(0.002)

    def enter(self) -> None:
        with self._lock:
            self._count += 1
            self.idle.clear()
            if self._count == 1:
                for ours, _ in self._files.values():
                    fcntl.flock(ours, fcntl.LOCK_SH)

    def leave(self) -> None:
        with self._lock:
            self._count -= 1
            if self._count <= 0:
                self.idle.set()
                for ours, _ in self._files.values():
                    fcntl.flock(ours, fcntl.LOCK_UN)


PEOPLE = People()
PAUSE = 0.04
# Rows a transaction claims while people are in (it ends after a turn, with one or two units done): on
# PostgreSQL each claimed row is locked (FOR UPDATE SKIP LOCKED writes the lock into the row), and 50
# locked for one or two done is work for nothing (a GROUPED unit takes up to 4 rows).
BUSY_CLAIM = 4
# Kinds whose consecutive rows about one thing make one unit of work (the budget and the turn are
# looked at between units): kind -> (at most this many rows, the payload's key of the thing). Such
# rows write to the same pages, so together several cost little more than one, and apart each
# transaction pays for the pages again. A story event's inbox rows go to the same followers' entries
# of the inbox index: on SQLite, whose log takes whole pages, an event of a story with 1,000
# followers dirties about a thousand index pages whether it comes alone or with the next few events
# of that story. Registered by the kinds' modules (timeline: "inbox", by story).
GROUPED: dict[str, tuple[int, str]] = {}
# SQLite's local lane: after a delivery whose rows took more than SLOW_ROW seconds each (events of a
# story with many followers), the lane waits LINGER seconds before its next transaction, so that the
# rows written meanwhile come together (GROUPED) instead of one transaction each, and the requests of
# that time do not wait for the write lock. A comment at a time on a story with 1,000 followers:
# every comment's transaction paid for the thousand inbox pages while the next comment waited.
SLOW_ROW = 0.005
LINGER = 0.05
_CACHE = "storyline_outbox_cache"


def batch_cache(session: Session) -> dict[Any, Any]:
    """A dict that lives as long as the delivering transaction (a batch of rows): handlers keep what
    they looked up by name there (a repository's project, a source, a project's rules). Emptied
    when a row's savepoint is rolled back, so nothing that row wrote is remembered."""
    cache: dict[Any, Any] = session.info.setdefault(_CACHE, {})
    return cache


_LATER = "storyline_outbox_later"


def later(session: Session, statement: Any, params: dict[str, Any]) -> None:
    """Run `statement` with `params` at the end of the delivering transaction, with the others of that
    statement in one executemany (one round trip on PostgreSQL, one call into SQLite), before the
    commit; at once outside a delivery. For writes nothing in the transaction reads back (a
    delivery's outcome); dropped with its row's work when that row is rolled back."""
    pending: list[tuple[Any, dict[str, Any]]] | None = session.info.get(_LATER)
    if pending is None:
        session.connection().execute(statement, params)
    else:
        pending.append((statement, params))


def _run_later(session: Session, conn: Any) -> None:
    pending: list[tuple[Any, dict[str, Any]]] = session.info.pop(_LATER, None) or []
    groups: dict[Any, list[dict[str, Any]]] = {}
    for statement, params in pending:
        groups.setdefault(statement, []).append(params)
    for statement, many in groups.items():
        conn.execute(statement, many)


def deliver(sessions: sessionmaker[Session], batch: int = BATCH, pauses: list[float] | None = None,
            lane: str = "local") -> int:
    """Deliver up to `batch` rows of `lane` (local or background), oldest first, a few per
    transaction; the number done.

    The rows of a transaction are done one after the other without savepoints (a savepoint and its
    release cost as much as a short row's own statements). When one fails, the transaction is
    rolled back and its rows are done again, each in a savepoint: the row that fails is rolled back
    alone and its failure is counted on it in the same transaction (tried again later, parked after
    `Policy.max_attempts`), while the rows beside it are done. On SQLite a transaction also ends
    early, after `TURN` seconds of work, when a request of this process waits for the write lock: a
    request's write waits for a few milliseconds, not for a batch. On both engines it ends after
    `TURN` while people's requests are in the database (`PEOPLE`); with `pauses` (the server's lane),
    each transaction first waits up to `PAUSE` seconds for them to finish, and the time so spent is
    appended to `pauses`.

    Fewer than `batch` means none was left (at the time of the last transaction): a transaction that
    took fewer rows than it asked for, and whose work queued no new one, found the outbox empty,
    without a transaction of its own to look.
    """
    done = 0
    lock = write_lock(sessions.kw["bind"]) if "bind" in sessions.kw else None
    while done < batch:
        if pauses is not None and PEOPLE.busy:
            paused = time.monotonic()
            PEOPLE.wait_idle(PAUSE)
            pauses.append(time.monotonic() - paused)
        session = sessions()
        try:
            conn = session.connection()
            sqlite = conn.dialect.name == "sqlite"
            # while people are in, the transaction ends after a turn: claim (lock, on PostgreSQL) a turn's rows
            limit = min(BUSY_CLAIM if PEOPLE.busy else PER_TRANSACTION, batch - done)
            rows = conn.execute(_NEXT[lane, sqlite], {"now": utcnow(), "limit": limit}).all()
            if not rows:
                end_read(session)
                break
            session.info[_LATER] = []
            try:
                handled, finished = _work(session, conn, rows, sqlite, lock, careful=False)
            except DATABASE_UNAVAILABLE:
                raise  # not a row's fault: the batch stays, without an attempt counted
            except Exception:  # noqa: BLE001 - done again row by row, each in a savepoint, below
                session.rollback()
                session.info.pop(_CACHE, None)
                session.info.pop(QUEUED, None)
                session.info[_LATER] = []
                conn = session.connection()
                rows = conn.execute(_NEXT[lane, sqlite], {"now": utcnow(), "limit": limit}).all()
                handled, finished = _work(session, conn, rows, sqlite, lock, careful=True)
            _run_later(session, conn)
            if finished:
                conn.execute(_DONE_MANY, {"ids": finished})
            queued = session.info.pop(QUEUED, set())
            session.info.pop(_CACHE, None)
            session.commit()
            if queued:
                wake(queued)  # the delivery queued more work (an event's e-mails, a task change's inbox rows)
            done += handled
            if handled == len(rows) and len(rows) < limit and lane not in queued:
                break
        finally:
            session.info.pop(_LATER, None)
            session.close()
    return done


def _work(session: Session, conn: Any, rows: Any, sqlite: bool, lock: SQLiteWriteLock | None,
          careful: bool) -> tuple[int, list[int]]:
    """Do the rows' work in the session's transaction, until the budget is spent (or the lane has had
    its turn and people's requests are in the database, or, on SQLite, a request waits for the write
    lock); (rows handled, ids of those done). Not `careful`: a failure raises (the caller rolls back and does the rows again carefully);
    `careful`: each row in a savepoint, a failure counted on its row."""
    started = time.monotonic()
    deadline = started + BUDGET[sqlite]
    turn = started + TURN
    finished: list[int] = []
    handled = 0
    unit: tuple[str, Any] | None = None  # the unit in hand: consecutive GROUPED rows about one thing
    run = 0
    for row_id, kind, raw, attempts in rows:
        payload = json.loads(raw)
        most, key = GROUPED.get(kind, (1, ""))
        about = (kind, payload.get(key)) if key else None
        if about is not None and about == unit and run < most:
            run += 1
        else:
            if handled:
                now = time.monotonic()
                if now > deadline or (now > turn and (PEOPLE.busy or (lock is not None and lock.waiting))):
                    break  # the rows left are free again at the commit
            unit, run = about, 1
        handled += 1
        if not careful:
            HANDLERS[kind](session, payload)
            finished.append(row_id)
            continue
        pending: list[Any] = session.info[_LATER]
        mark = len(pending)
        savepoint = session.begin_nested()
        try:
            HANDLERS[kind](session, payload)
            savepoint.commit()
            finished.append(row_id)
        except DATABASE_UNAVAILABLE:
            raise  # not this row's fault: the batch stays, without an attempt counted
        except Exception as exc:  # noqa: BLE001 - any failure of a delivery is counted on its row, retried
            savepoint.rollback()
            del pending[mark:]  # what the row left for the end of the transaction goes with it
            session.expire_all()  # objects may hold values of the rolled-back statements
            session.info.pop(_CACHE, None)
            _count_failure(conn, row_id, kind, attempts, exc)
    return handled, finished


def _count_failure(conn: Any, row_id: int, kind: str, attempts: int, exc: Exception) -> None:
    """A local row's failure, counted on it in the delivering transaction (after its savepoint was
    rolled back): tried again after the backoff, parked once its attempts are used up."""
    permanent = isinstance(exc, Permanent)
    attempts += 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    now = utcnow()
    parked = permanent or attempts >= Policy.max_attempts
    if permanent:
        log.warning("outbox row %s failed for good, parked: %s", row_id, exc)
    elif parked:
        log.error("outbox row %s (%s) parked after %s attempts: %s", row_id, kind, attempts, error)
    else:
        log.warning("outbox row %s failed (%s: %s), to be tried again", row_id, type(exc).__name__, exc)
    conn.execute(_FAILED, {"row_id": row_id, "attempts": attempts, "last_error": error,
                           "next_attempt_at": now + Policy.backoff(attempts), "parked_at": now if parked else None})


def deliver_external(write_sessions: sessionmaker[Session], read_sessions: sessionmaker[Session],
                     batch: int = 20) -> tuple[int, int]:
    """Claim up to `batch` external rows and do each; (done, failed). The effect runs outside any
    write transaction; each row is deleted once its effect is done."""
    ids = _claim(write_sessions, batch)
    if not ids:
        return 0, 0
    done = failed = 0
    session = read_sessions()
    try:
        rows = session.execute(_CLAIMED, {"ids": ids}).all()
        end_read(session)
        for row_id, kind, payload in rows:
            try:
                EXTERNAL[kind](session, json.loads(payload))
            except DATABASE_UNAVAILABLE:
                raise
            except Exception as exc:  # noqa: BLE001 - counted on its row, retried with backoff
                session.rollback()
                _failed(write_sessions, row_id, exc)
                failed += 1
                continue
            finally:
                end_read(session)  # no read transaction stays open between two effects
            _finish(write_sessions, row_id)
            done += 1
    finally:
        session.close()
    if failed:  # the rows left of this claim are free again at once (their lease was for this pass)
        _release(write_sessions, ids)
    return done, failed


def _claim(sessions: sessionmaker[Session], batch: int) -> list[int]:
    session = sessions()
    try:
        conn = session.connection()
        now = utcnow()
        ids = list(conn.execute(_CLAIMS[conn.dialect.name == "sqlite"], {"now": now, "batch": batch}).scalars())
        if ids:
            conn.execute(_CLAIM, {"ids": ids, "until": now + dt.timedelta(seconds=Policy.lease)})
            session.commit()
        else:
            end_read(session)
        return ids
    finally:
        session.close()


def _finish(sessions: sessionmaker[Session], row_id: int) -> None:
    session = sessions()
    try:
        session.connection().execute(_DONE, {"row_id": row_id})
        session.commit()
    finally:
        session.close()


def _release(sessions: sessionmaker[Session], ids: list[int]) -> None:
    session = sessions()
    try:
        session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids)).values(claimed_until=None))
        session.commit()
    finally:
        session.close()


def _failed(sessions: sessionmaker[Session], row_id: int, exc: Exception) -> None:
    permanent = isinstance(exc, Permanent)
    if permanent:
        log.warning("outbox row %s failed for good, parked: %s", row_id, exc)
    else:
        log.warning("outbox row %s failed (%s: %s), to be tried again", row_id, type(exc).__name__, exc)
    session = sessions()
    try:
        row = session.get(OutboxRow, row_id)
        if row is not None:
            now = utcnow()
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.claimed_until = None
            row.next_attempt_at = now + Policy.backoff(row.attempts)
            if permanent or row.attempts >= Policy.max_attempts:
                row.parked_at = now
                if not permanent:
                    log.error("outbox row %s (%s) parked after %s attempts: %s", row_id, row.kind, row.attempts,
                              row.last_error)
            session.commit()
    finally:
        session.close()


# Superusers' view and repair (API, CLI).

def listing(session: Session, *, parked: bool | None = True, kind: str | None = None,
            limit: int = 100) -> list[OutboxRow]:
    query = select(OutboxRow).order_by(OutboxRow.id).limit(limit)
    if parked is not None:
        query = query.where(OutboxRow.parked_at.is_not(None) if parked else OutboxRow.parked_at.is_(None))
    if kind is not None:
        query = query.where(OutboxRow.kind == kind)
    return list(session.execute(query).scalars())


def counts(session: Session) -> dict[str, dict[str, int]]:
    """Rows per kind: pending (waiting or being retried) and parked."""
    result: dict[str, dict[str, int]] = {}
    query = select(OutboxRow.kind, OutboxRow.parked_at.is_not(None), func.count()).group_by(
        OutboxRow.kind, OutboxRow.parked_at.is_not(None))
    for kind, is_parked, count in session.execute(query):
        entry = result.setdefault(kind, {"pending": 0, "parked": 0})
        entry["parked" if is_parked else "pending"] += count
    return result


def retry(session: Session, ids: list[int] | None = None) -> int:
    """Put parked rows back in line (all of them when `ids` is None); the number put back."""
    statement = (update(OutboxRow).where(OutboxRow.parked_at.is_not(None))
                 .values(parked_at=None, attempts=0, next_attempt_at=None, claimed_until=None))
    if ids is not None:
        statement = statement.where(OutboxRow.id.in_(ids))
    count = session.execute(statement).rowcount  # type: ignore[attr-defined]
    if count:
        session.info.setdefault(QUEUED, set()).update(LANES)
        WAKE_EXTERNAL.set()
    return int(count)


def _oldest(sessions: sessionmaker[Session]) -> int | None:
    session = sessions()
    try:
        return session.execute(select(func.min(OutboxRow.id)).where(_local, OutboxRow.parked_at.is_(None))).scalar()
    finally:
        session.close()


def _newest(sessions: sessionmaker[Session]) -> int | None:
    session = sessions()
    try:
        return session.execute(select(func.max(OutboxRow.id)).where(_local)).scalar()
    finally:
        session.close()


async def delivered(write_sessions: sessionmaker[Session], read_sessions: sessionmaker[Session],
                    timeout: float = 5.0) -> None:
    """Return once every local row written before this call is delivered (a reader of the inbox sees
    the effects of every write acknowledged before its request). Delivers them itself if need be, in
    a thread; never blocks the event loop."""
    upto = await asyncio.to_thread(_newest, read_sessions)
    if upto is None:
        return
    deadline = time.monotonic() + timeout
    while True:
        await asyncio.to_thread(deliver, write_sessions)
        oldest = await asyncio.to_thread(_oldest, read_sessions)
        if oldest is None or oldest > upto:
            return
        if time.monotonic() > deadline:  # another process holds them (PostgreSQL), or they wait for a retry
            log.warning("outbox rows up to %s not delivered within %.0f s", upto, timeout)
            return
        await asyncio.sleep(0.01)


class OutboxThread(threading.Thread):
    """Delivers one lane: local (the default), external (with `read_sessions`: its effects read
    through them) or background (`lane`; with `read_sessions`, it first asks through them whether any
    row is due, so that an idle lane polling often takes no write transaction, which on SQLite holds
    the write lock)."""

    def __init__(self, write_sessions: sessionmaker[Session], interval: float = 1.0,
                 read_sessions: sessionmaker[Session] | None = None, lane: str | None = None) -> None:
        self.lane = lane or ("external" if read_sessions is not None else "local")
        super().__init__(name="storyline-outbox" if self.lane == "local" else f"storyline-outbox-{self.lane}",
                         daemon=True)
        self.sessions = write_sessions
        self.read_sessions = read_sessions
        self.interval = interval
        self.wake = _WAKES[self.lane]
        self.stopping = threading.Event()

    def run(self) -> None:
        slow = False
        while not self.stopping.is_set():
            self.wake.wait(self.interval)
            if slow:
                self.stopping.wait(LINGER)  # let the rows that come meanwhile gather (see LINGER)
            self.wake.clear()
            try:
                slow = self.drain()
            except DATABASE_UNAVAILABLE as exc:  # an outage: health.py logs it once; retried next time
                log.debug("outbox delivery waits for the database: %s", exc)
                self.stopping.wait(self.interval)
            except Exception:  # retried at the next wake; the row stays until its work is done
                log.exception("outbox delivery failed")
                self.stopping.wait(self.interval)

    def due(self) -> bool:
        """Whether the lane has rows due (asked through the read sessions: no write transaction)."""
        if self.read_sessions is None:
            return True
        session = self.read_sessions()
        try:
            return session.execute(_ANY_DUE[self.lane], {"now": utcnow()}).first() is not None
        finally:
            session.close()

    def drain(self) -> bool:
        """Deliver until the lane is empty; whether its rows were slow (SQLite's local lane: rows that
        took more than SLOW_ROW each)."""
        if self.lane == "external":
            while not self.stopping.is_set():
                done, failed = deliver_external(self.sessions, self.read_sessions or self.sessions)
                if failed or not done:  # a failure: wait for the next tick rather than hammer a server that is down
                    return False
            return False
        if not self.due():
            return False
        started, rows = time.monotonic(), 0
        pauses: list[float] = []  # the time it gave to people (PEOPLE), not spent on rows
        while True:
            done = deliver(self.sessions, pauses=pauses, lane=self.lane)
            rows += done
            if done < BATCH or self.stopping.is_set():  # fewer: the outbox was empty
                break
        lock = write_lock(self.sessions.kw["bind"]) if "bind" in self.sessions.kw else None
        worked = time.monotonic() - started - sum(pauses)
        return self.lane == "local" and lock is not None and rows > 0 and worked / rows > SLOW_ROW

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.join(timeout=10)


def start_threads(write_sessions: sessionmaker[Session], read_sessions: sessionmaker[Session]) -> list[OutboxThread]:
    threads = [OutboxThread(write_sessions), OutboxThread(write_sessions, read_sessions=read_sessions)]
    for thread in threads:
        thread.start()
    return threads


__all__ = ["BACKGROUND_KINDS", "DRAIN_ORDER", "EXTERNAL", "EXTERNAL_KINDS", "HANDLERS", "LANES", "PEOPLE", "QUEUED", "OutboxRow", "OutboxThread", "People", "Permanent",
           "Policy", "WAKE", "WAKE_BACKGROUND", "WAKE_EXTERNAL", "batch_cache", "counts", "deliver", "deliver_external", "delivered", "enqueue", "enqueue_many",
           "later", "listing", "retry", "start_threads", "wake"]
