"""The outbox's threads poll an empty outbox without making PostgreSQL plan every statement again
(db.end_read): psycopg forgets a connection's prepared statements at each ROLLBACK, so a poll that
ended with one sent every pooled connection's statements back to being parsed and planned on each run."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import text

from storyline import outbox
from storyline.db import make_engine, make_sessionmaker

_n = itertools.count()
_PREPARED = text("SELECT count(*) FROM pg_prepared_statements")
_SOME_READ = text("SELECT count(*) FROM stories WHERE id > :id")


def _prepared_after(engine: Any, poll: Any) -> int:
    """Run a read often enough for psycopg to prepare it, then `poll`, then count the prepared
    statements of the one pooled connection."""
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        for i in range(8):
            session.execute(_SOME_READ, {"id": i})
        session.commit()
        assert session.execute(_PREPARED).scalar_one() > 0  # prepared now
        session.commit()
    poll(sessions)
    with sessions() as session:
        return int(session.execute(_PREPARED).scalar_one())


@pytest.mark.parametrize("poll", [
    lambda s: outbox.deliver(s),
    lambda s: outbox.deliver_external(s, s),
], ids=["local lane", "external lane"])
def test_polling_an_empty_outbox_keeps_the_connections_prepared_statements(request: pytest.FixtureRequest,
                                                                           poll: Any) -> None:
    pg = request.getfixturevalue("pg")
    if pg is None:
        pytest.skip("PostgreSQL is not among STORYLINE_TEST_DATABASES (the prepared statements are psycopg's)")
    url = pg.migrated_database(f"storyline_prepared_{next(_n)}")
    engine = make_engine(url, pool_size=1)
    try:
        assert _prepared_after(engine, poll) > 0
        # What the lanes avoid: a transaction that ends with a ROLLBACK loses them all.
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            for i in range(8):
                session.execute(_SOME_READ, {"id": i})
            session.rollback()
            assert session.execute(_PREPARED).scalar_one() == 0
            session.rollback()
    finally:
        engine.dispose()
