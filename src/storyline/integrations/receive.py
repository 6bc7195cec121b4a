"""Deliveries: deduplicated on arrival, their work queued in the outbox (kind "integration") or,
for `storyline gerrit listen`, done in the receiving transaction.

A delivery's key (Gerrit: type, change, patch set, time and actor; GitHub: X-GitHub-Delivery;
GitLab: Idempotency-Key) is inserted with ON CONFLICT DO NOTHING: a redelivery or a retry finds it
and changes nothing, even when both arrive at once.

The receive path is short (every delivery answers at once, issue 14): the source verified (one
prebuilt SELECT), the delivery inserted (with its outcome when there is nothing to do; for an event
that names no story or task, whether it concerns a change already linked is asked in that same
INSERT), its outbox row, the commit. The work is the outbox's (`_deliver`), several events per transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, bindparam, case, delete, exists, null, select, true, update
from sqlalchemy.orm import Session

from storyline import outbox
from storyline.db import utcnow
from storyline.integrations import service
from storyline.integrations.models import IntegrationDelivery, ReviewChange
from storyline.integrations.sources import Source
from storyline.sqltools import table_of

log = logging.getLogger("storyline.integrations")
KIND = "integration"


def _insert_new(dialect: str, probe: bool) -> Any:
    """The delivery's INSERT, ON CONFLICT DO NOTHING (a redelivery inserts nothing), returning its id
    and outcome. `probe`: the event's work depends on whether its change is linked already: the
    outcome ("no references", handled at once) is written unless the change is known, in the same
    statement (an INSERT ... SELECT, one statement instead of two)."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert  # type: ignore[assignment]
    table = table_of(IntegrationDelivery)
    columns = ["source_id", "key", "event", "received_at", "handled_at", "outcome"]
    if not probe:
        stmt = dialect_insert(table).values({c: bindparam(c) for c in columns})
    else:
        linked = exists().where(ReviewChange.source_id == bindparam("source_id", type_=Integer),
                                ReviewChange.key == bindparam("change_key", type_=String))
        values = select(bindparam("source_id", type_=Integer), bindparam("key", type_=String),
                        bindparam("event", type_=String), bindparam("received_at", type_=DateTime),
                        case((linked, null()), else_=bindparam("handled_at", type_=DateTime)),
                        case((linked, null()), else_=bindparam("outcome", type_=Text))
                        ).where(true())  # (SQLite: an upsert's SELECT needs a WHERE)
        stmt = dialect_insert(table).from_select(columns, values)
    return stmt.on_conflict_do_nothing(index_elements=["source_id", "key"]).returning(
        IntegrationDelivery.id, IntegrationDelivery.outcome)


_NEW = {(dialect, probe): _insert_new(dialect, probe) for dialect in ("sqlite", "postgresql") for probe in (False, True)}
_OUTCOME = (update(table_of(IntegrationDelivery)).where(IntegrationDelivery.id == bindparam("delivery_id"))
            .values(handled_at=bindparam("now"), outcome=bindparam("outcome")))
NO_REFERENCES = "no references"


def _record(session: Session, source: Source, key: str, ev: dict[str, Any], outcome: str | None,
            change_key: str | None = None) -> Any:
    conn = session.connection()
    now = utcnow()
    params = {"source_id": source.id, "key": key, "event": ev["type"][:64], "received_at": now,
              "handled_at": now if outcome is not None else None,
              "outcome": outcome[:4000] if outcome is not None else None}
    if change_key is not None:
        params["change_key"] = change_key
    return conn.execute(_NEW[(conn.dialect.name, change_key is not None)], params).first()


def record(session: Session, source: Source, key: str, ev: dict[str, Any], outcome: str | None = None) -> int | None:
    """The new delivery's id, or None when this key was delivered before. With `outcome`, the
    delivery is recorded as handled already (nothing to do)."""
    row = _record(session, source, key, ev, outcome)
    return None if row is None else int(row[0])


def accept(session: Session, source: Source, key: str, ev: dict[str, Any]) -> str:
    """A webhook delivery: recorded and its work queued; "accepted", "duplicate" or "ignored"."""
    status, outcome, change_key = "accepted", None, None
    work = service.work_of(ev)
    if ev["action"] == "ignore":
        status, outcome = "ignored", f"ignored: nothing to do on {ev['type']}"
    elif work is False:
        outcome = NO_REFERENCES
    elif isinstance(work, str):  # work if the change is linked: asked in the INSERT
        outcome, change_key = NO_REFERENCES, work
    row = _record(session, source, key, ev, outcome, change_key)
    if row is None:
        return "duplicate"
    if row[1] is None:
        outbox.enqueue(session, KIND, {"source_id": source.id, "delivery_id": row[0], "event": ev,
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
