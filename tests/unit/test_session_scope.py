"""db.session_scope is a context manager: a `return` inside the block commits (the old for-loop form
silently rolled back), an exception rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from storyline.db import make_engine, make_sessionmaker, session_scope


@pytest.fixture()
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'scope.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
    yield make_sessionmaker(engine, write=True)
    engine.dispose()


def count(sessions) -> int:
    with session_scope(sessions) as session:
        return int(session.execute(text("SELECT count(*) FROM notes")).scalar_one())


def test_a_return_inside_the_block_commits(sessions):
    def write() -> str:
        with session_scope(sessions) as session:
            session.execute(text("INSERT INTO notes VALUES ('kept')"))
            return "done"

    assert write() == "done"
    assert count(sessions) == 1


def test_an_exception_rolls_back(sessions):
    with pytest.raises(RuntimeError), session_scope(sessions) as session:
        session.execute(text("INSERT INTO notes VALUES ('lost')"))
        raise RuntimeError("boom")
    assert count(sessions) == 0
