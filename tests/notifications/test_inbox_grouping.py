"""The outbox's local lane does a few inbox rows of one story as one unit of work (outbox.GROUPED): a
request's write waiting for SQLite's write lock waits for the unit, not for the lane's whole batch,
and rows about another story, or past the unit's size, are where the lane gives way."""

from __future__ import annotations

from pathlib import Path

import pytest
from lane_writer import LaneAndWriter, lane_app
from sqlalchemy import func, select

from storyline import outbox
from storyline.db import session_scope
from storyline.outbox import OutboxRow


def test_rows_about_one_story_are_one_unit_and_the_lane_gives_way_between_units(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with lane_app(database_url, tmp_path) as app:
        lane = LaneAndWriter(app)
        order = lane.order
        monkeypatch.setitem(outbox.HANDLERS, "test-grouped",
                            lane.handler(lambda payload: f"story {payload['story_id']} row {payload['n']}"))
        monkeypatch.setitem(outbox.GROUPED, "test-grouped", (3, "story_id"))
        monkeypatch.setitem(outbox.BUDGET, True, 60.0)  # only the waiting write ends the lane's transaction
        rows = [{"story_id": 1, "n": n} for n in range(5)] + [{"story_id": 2, "n": n} for n in range(2)]
        with session_scope(app.state.write_sessions) as session:
            outbox.enqueue_many(session, "test-grouped", rows)
        lane.deliver_all(len(rows))
        # The first unit is story 1's first three rows (at most 3 together): the write comes right after it.
        assert order[:4] == ["story 1 row 0", "story 1 row 1", "story 1 row 2", "write"], order
        assert sorted(o for o in order if o != "write") == sorted(f"story {r['story_id']} row {r['n']}" for r in rows)
        with session_scope(app.state.write_sessions) as session:
            assert session.execute(select(func.count()).select_from(OutboxRow)
                                   .where(OutboxRow.kind == "test-grouped")).scalar_one() == 0

