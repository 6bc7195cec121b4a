"""Deliveries: deduplicated on arrival, their work queued in the outbox (kind "integration") or,
for `storyline gerrit listen`, done in the receiving transaction.

A delivery's key (Gerrit: type, change, patch set, time and actor; GitHub: X-GitHub-Delivery;
GitLab: Idempotency-Key) is inserted with ON CONFLICT DO NOTHING: a redelivery or a retry finds it
and changes nothing, even when both arrive at once.

The receive path is short (every delivery answers at once, issue 14): the source verified (one
prebuilt SELECT), for an event that names no story or task whether it concerns a change already
linked (one prebuilt SELECT), the delivery inserted (with its outcome when there is nothing to do),
its outbox row, the commit. The work is the outbox's (`_deliver`), several events per transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from sqlalchemy import bindparam, delete, update
from sqlalchemy.orm import Session

from storyline import outbox
from storyline.db import utcnow
from storyline.integrations import service
from storyline.integrations.models import IntegrationDelivery
from storyline.integrations.sources import Source
from storyline.sqltools import table_of

log = logging.getLogger("storyline.integrations")
KIND = "integration"


def _insert_new(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert  # type: ignore[assignment]
    return dialect_insert(table_of(IntegrationDelivery)).values(
        source_id=bindparam("source_id"), key=bindparam("key"), event=bindparam("event"),
        received_at=bindparam("received_at"), handled_at=bindparam("handled_at"), outcome=bindparam("outcome")
    ).on_conflict_do_nothing(index_elements=["source_id", "key"]).returning(IntegrationDelivery.id)


_NEW: dict[str, Any] = {}
_OUTCOME = (update(table_of(IntegrationDelivery)).where(IntegrationDelivery.id == bindparam("delivery_id"))
            .values(handled_at=bindparam("now"), outcome=bindparam("outcome")))


def record(session: Session, source: Source, key: str, ev: dict[str, Any], outcome: str | None = None) -> int | None:
    """The new delivery's id, or None when this key was delivered before. With `outcome`, the
    delivery is recorded as handled already (nothing to do)."""
    conn = session.connection()
    dialect = conn.dialect.name
    stmt = _NEW.get(dialect)
    if stmt is None:
        stmt = _NEW[dialect] = _insert_new(session)
    now = utcnow()
    return conn.execute(stmt, {"source_id": source.id, "key": key, "event": ev["type"][:64], "received_at": now,
                               "handled_at": now if outcome is not None else None,
                               "outcome": outcome[:4000] if outcome is not None else None}).scalar_one_or_none()


def accept(session: Session, source: Source, key: str, ev: dict[str, Any]) -> str:
    """A webhook delivery: recorded and its work queued; "accepted", "duplicate" or "ignored"."""
    status, outcome = "accepted", None
    if ev["action"] == "ignore":
        status, outcome = "ignored", f"ignored: nothing to do on {ev['type']}"
    elif not service.has_work(session, source, ev):
        outcome = "no references"
    delivery_id = record(session, source, key, ev, outcome)
    if delivery_id is None:
        return "duplicate"
    if outcome is None:
        outbox.enqueue(session, KIND, {"source_id": source.id, "delivery_id": delivery_id, "event": ev,
                                       "received": time.time()})
    return status


def handle(session: Session, source: Source, delivery_id: int, ev: dict[str, Any], received: float) -> str:
    """Do a delivery's work (in the caller's transaction); its outcome is recorded on the delivery.
    A refusal of the domain (an expired branch, ...) is part of the outcome; anything else raises, and
    the whole transaction (the delivery's work) is rolled back."""
    outcome = service.apply(session, source, ev, received)
    note(session, delivery_id, outcome)
    return outcome


# Deliveries are remembered this long: a redelivery within it changes nothing (an older one is also
# harmless: a change's state never goes back to an older event's).
DELIVERY_DAYS = 90
_PRUNE = delete(table_of(IntegrationDelivery)).where(IntegrationDelivery.received_at < bindparam("before"))


def prune_deliveries(session: Session, now: dt.datetime) -> int:
    """Forget deliveries older than DELIVERY_DAYS (the worker's pass); how many."""
    result = session.connection().execute(_PRUNE, {"before": now - dt.timedelta(days=DELIVERY_DAYS)})
    return int(result.rowcount)


def note(session: Session, delivery_id: int, outcome: str) -> None:
    """The delivery's outcome: written with the others of the delivering transaction, before its commit
    (outbox.later), or at once in `storyline gerrit listen`'s own transaction."""
    outbox.later(session, _OUTCOME, {"delivery_id": delivery_id, "now": utcnow(), "outcome": outcome[:4000]})


def _deliver(session: Session, payload: dict[str, Any]) -> None:
    source = service.source_by_id(session, payload["source_id"])
    if source is None:
        return  # removed meanwhile: its deliveries went with it
    outcome = handle(session, source, payload["delivery_id"], payload["event"], payload["received"])
    log.debug("%s delivery %s: %s", source.name, payload["delivery_id"], outcome)


outbox.HANDLERS[KIND] = _deliver


__all__ = ["DELIVERY_DAYS", "KIND", "accept", "handle", "note", "prune_deliveries", "record"]
