"""The Launchpad import's writer on many bugs at once: a re-import of changed bugs is written in a few
statements per batch whatever the number of bugs (PostgreSQL: `UPDATE ... FROM unnest(arrays)`, one per set
of columns), and every changed field arrives; on SQLite and PostgreSQL. The bugs come from the Launchpad
double through the importer's own fetcher."""

from __future__ import annotations

import re
from typing import Any

from lpdouble import Double, SyntheticWorld
from sqlalchemy import event, select

from storyline.db import make_engine, make_sessionmaker, session_scope
from storyline.importers.launchpad.client import Client, Credentials
from storyline.importers.launchpad.fetch import BugData, Fetcher
from storyline.importers.launchpad.run import Options, in_own_loop, resolve_projects
from storyline.importers.launchpad.writer import Writer
from storyline.projects import service as projects
from storyline.stories.models import Comment, Story, Task
from storyline.users import service as users

BUGS = 50  # (one in 50 is private)
BATCH = 10


def fetch(n: int) -> list[BugData]:
    double = Double(SyntheticWorld(n), fail_every=0).start()
    double.keep_log = False

    async def run() -> list[BugData]:
        client = Client(double.api_root, Credentials("storyline", "lp-token", "lp-secret"), concurrency=8)
        fetcher = Fetcher(client, openid=False)
        try:
            return [await fetcher.bug(await fetcher.bug_entry(i), team_access=True) for i in range(1, n + 1)]
        finally:
            await client.aclose()

    try:
        return in_own_loop(run)
    finally:
        double.stop()


def test_reimport_updates_in_a_few_statements_per_batch(url: str) -> None:
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            projects.do_create_project(session, {"name": "bench"})
            users.do_create_team(session, {"name": "vmt"})
        with make_sessionmaker(engine)() as session:
            targets = resolve_projects(session, Options(api_root="http://x/", projects=["bench"]))
        bugs = fetch(BUGS)
        writer = Writer(make_sessionmaker(engine, write=True), targets, vmt_team="vmt")
        for i in range(0, BUGS, BATCH):
            assert not writer.write(bugs[i:i + BATCH]).errors

        # Every bug changed on Launchpad: its title, one task's status, one comment's text; one bug made public.
        for bug in bugs:
            bug.bug["date_last_updated"] = "2030-01-01T00:00:00.000001+00:00"
            bug.bug["title"] = f"Renamed bug {bug.id}"
            bug.tasks[0]["status"] = "Fix Released"
            bug.messages[1]["content"] = f"Edited comment on {bug.id}"
        private = next(b for b in bugs if b.bug["information_type"] == "Private Security")
        private.bug.update(information_type="Public", private=False, security_related=False)
        sent: list[str] = []
        # PostgreSQL runs an executemany as one statement per parameter set (a round trip each, pipelined or
        # not); SQLite's runs in-process: one call
        per_row = engine.dialect.name == "postgresql"

        @event.listens_for(engine, "before_cursor_execute")
        def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
            sent.extend([statement] * (len(parameters) if executemany and per_row else 1))

        summaries = [writer.write(bugs[i:i + BATCH]) for i in range(0, BUGS, BATCH)]
        event.remove(engine, "before_cursor_execute", count)
        assert not [s.errors for s in summaries if s.errors]
        assert sum(s.updated["stories"] for s in summaries) == BUGS
        batches = BUGS // BATCH

        def updates(table: str) -> int:
            return sum(1 for s in sent if re.match(rf'\s*UPDATE "?{table}"?\b', s))

        # stories: the changed fields (a public bug and a private one set different columns) and the
        # statuses; tasks and comments: the changed ones; never one statement per bug
        assert updates("stories") <= 3 * batches < BUGS, updates("stories")
        assert updates("tasks") <= batches and updates("comments") <= batches
        with make_sessionmaker(engine)() as session:
            titles = dict(session.execute(select(Story.id, Story.title).where(Story.id <= BUGS)).all())
            assert titles == {n: f"Renamed bug {n}" for n in range(1, BUGS + 1)}
            public = session.execute(select(Story.private, Story.security, Story.embargo_until)
                                     .where(Story.id == private.id)).one()
            assert tuple(public) == (False, False, None)
            statuses = session.execute(select(Task.story_id, Task.lp_status, Task.status)
                                       .where(Task.lp_status == "Fix Released")).all()
            assert {s for s, _, _ in statuses} == set(range(1, BUGS + 1))
            assert {st for _, _, st in statuses} == {"merged"}
            edited = session.execute(select(Comment.story_id).where(Comment.content.like("Edited comment on %")))
            assert sorted(edited.scalars()) == list(range(1, BUGS + 1))
            merged = session.execute(select(Story.count_merged).where(Story.id <= BUGS)).scalars().all()
            assert min(merged) >= 1  # the stored counts follow the tasks
    finally:
        engine.dispose()
