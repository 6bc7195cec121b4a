"""The outbox: work a change causes beyond its own rows, recorded in the change's transaction and
done after it commits.

A write records what must follow from it (today: the inbox rows of a story event's followers) as an
`outbox` row in its own transaction, so nothing acknowledged can be lost, and commits without doing
that work: a comment on a story with a thousand followers commits as fast as on a story with none.
`deliver` does the work in transactions of its own, claiming rows (FOR UPDATE SKIP LOCKED on
PostgreSQL, so several processes share the work; SQLite has one writer at a time anyway) and deleting
each row in the transaction that did its work: done exactly once, even after a crash.

`OutboxThread` runs in every API process: woken at once when a request of this process committed
outbox rows, and every second otherwise (rows of other processes, or left by a crash). Readers of the
inbox wait until the rows written before their request are delivered (`wait_delivered`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, bindparam, delete, func, insert, literal, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from storyline.db import DATABASE_UNAVAILABLE, Base, utcnow

log = logging.getLogger("storyline.outbox")


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[Any] = mapped_column(DateTime, default=utcnow, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


# After this many failed attempts a row is left aside (visible in the table with its last error).
MAX_ATTEMPTS = 5
# kind -> function(session, payload) doing the work in the delivering transaction.
HANDLERS: dict[str, Any] = {}
# Set when this process committed outbox rows (api/deps.py); the thread wakes at once.
WAKE = threading.Event()


# The statements of a write and of a delivery, built once (Core, on the session's connection: the
# ORM's unit of work costs several times what these statements do).
_ENQUEUE = insert(OutboxRow.__table__).values(
    kind=bindparam("kind"), payload=bindparam("payload"), created_at=bindparam("created_at"), attempts=0)
_OLDEST = (select(OutboxRow.id, OutboxRow.kind, OutboxRow.payload).where(OutboxRow.attempts < MAX_ATTEMPTS)
           .order_by(OutboxRow.id).limit(1))
# by "is the dialect SQLite": PostgreSQL claims the row (several processes share the work)
_NEXT = {True: _OLDEST, False: _OLDEST.with_for_update(skip_locked=True)}
_MORE = select(literal(1)).where(OutboxRow.id > bindparam("after"), OutboxRow.attempts < MAX_ATTEMPTS).limit(1)
_DONE = delete(OutboxRow.__table__).where(OutboxRow.id == bindparam("row_id"))


def enqueue(session: Session, kind: str, payload: dict[str, Any]) -> None:
    session.connection().execute(_ENQUEUE, {"kind": kind, "payload": json.dumps(payload, default=str),
                                            "created_at": utcnow()})
    session.info["storyline_outbox"] = True


BATCH = 100


def deliver(sessions: sessionmaker[Session], batch: int = BATCH) -> int:
    """Deliver up to `batch` rows, oldest first, each in its own short transaction; the number done.

    Fewer than `batch` means none was left (at the time of the last one): the transaction that
    delivers a row also looks whether another one follows, so that finding the outbox empty does
    not cost a write transaction of its own after every delivery.
    """
    done = 0
    while done < batch:
        session = sessions()
        try:
            conn = session.connection()
            row = conn.execute(_NEXT[conn.dialect.name == "sqlite"]).first()
            if row is None:
                session.rollback()
                break
            row_id, kind, payload = row
            try:
                HANDLERS[kind](session, json.loads(payload))
                conn.execute(_DONE, {"row_id": row_id})
                more = conn.execute(_MORE, {"after": row_id}).first() is not None
                session.commit()
            except DATABASE_UNAVAILABLE:
                raise  # not this row's fault: it stays, without an attempt counted
            except Exception as exc:  # noqa: BLE001 - any failure of a delivery is counted on its row, retried
                session.rollback()
                _failed(sessions, row_id, exc)
                more = True
            done += 1
            if not more:
                break
        finally:
            session.close()
    return done


def _failed(sessions: sessionmaker[Session], row_id: int, exc: Exception) -> None:
    log.exception("outbox row %s failed", row_id, exc_info=exc)
    session = sessions()
    try:
        row = session.get(OutboxRow, row_id)
        if row is not None:
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            session.commit()
    finally:
        session.close()


def _oldest(sessions: sessionmaker[Session]) -> int | None:
    session = sessions()
    try:
        return session.execute(select(func.min(OutboxRow.id)).where(OutboxRow.attempts < MAX_ATTEMPTS)).scalar()
    finally:
        session.close()


def _newest(sessions: sessionmaker[Session]) -> int | None:
    session = sessions()
    try:
        return session.execute(select(func.max(OutboxRow.id))).scalar()
    finally:
        session.close()


async def delivered(write_sessions: sessionmaker[Session], read_sessions: sessionmaker[Session],
                    timeout: float = 5.0) -> None:
    """Return once every row written before this call is delivered (a reader of the inbox sees the
    effects of every write acknowledged before its request). Delivers them itself if need be, in a
    thread; never blocks the event loop."""
    upto = await asyncio.to_thread(_newest, read_sessions)
    if upto is None:
        return
    deadline = time.monotonic() + timeout
    while True:
        await asyncio.to_thread(deliver, write_sessions)
        oldest = await asyncio.to_thread(_oldest, read_sessions)
        if oldest is None or oldest > upto:
            return
        if time.monotonic() > deadline:  # another process holds them (PostgreSQL): it is slow or down
            log.warning("outbox rows up to %s not delivered within %.0f s", upto, timeout)
            return
        await asyncio.sleep(0.01)


class OutboxThread(threading.Thread):
    def __init__(self, write_sessions: sessionmaker[Session], interval: float = 1.0) -> None:
        super().__init__(name="storyline-outbox", daemon=True)
        self.sessions = write_sessions
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            WAKE.wait(self.interval)
            WAKE.clear()
            try:
                while deliver(self.sessions) >= BATCH:  # fewer: the outbox was empty
                    pass
            except DATABASE_UNAVAILABLE as exc:  # an outage: health.py logs it once; retried next time
                log.debug("outbox delivery waits for the database: %s", exc)
                self.stopping.wait(self.interval)
            except Exception:  # retried at the next wake; the row stays until its work is done
                log.exception("outbox delivery failed")
                self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()
        WAKE.set()
        self.join(timeout=10)


__all__ = ["HANDLERS", "OutboxRow", "OutboxThread", "WAKE", "deliver", "delivered", "enqueue"]
