"""Feed latency (docs/notifications.md, "Feeds").

A synthetic dataset written straight into a fresh database (5,000 stories, one in ten private, one task
each on 50 projects, a group of 10 projects, 20 events per story of which a quarter are comments: 100,000
events), then each feed read 30 times through the HTTP API in process, anonymously and with a feed token;
prints the median and 90th percentile of the wall time, and the median CPU time of this process (the app
and the client, not a PostgreSQL server's: a shared machine stretches the first, hardly the second).

    .venv/bin/python -m benchmarks.feeds                                        # a fresh SQLite file
    .venv/bin/python -m benchmarks.feeds postgresql+psycopg://user@host/emptydb
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from storyline.app import create_app
from storyline.config import Settings
from storyline.db import session_scope
from storyline.migrate import upgrade
from storyline.projects.models import Branch, Project, ProjectGroup, ProjectGroupMember
from storyline.stories.models import Comment, Event, Story, StoryUser, Task
from storyline.users.models import User
from storyline.users.tokens import create_token

STORIES, EVENTS_PER_STORY, USERS, PROJECTS = 5000, 20, 200, 50
READS = 30
NOW = dt.datetime(2026, 1, 1)
PATHS = {
    "story": "/v1/feeds/stories/4321.atom",
    "project": "/v1/feeds/projects/7.atom",
    "project group": "/v1/feeds/project_groups/1.atom",
    "user": "/v1/feeds/users/7.atom",
    "search (status=active)": "/v1/feeds/stories.atom?status=active",
    "search (project_id=3)": "/v1/feeds/stories.atom?project_id=3",
}


def load(app: Any) -> str:
    """The dataset; returns a feed token of user 7 (on the lists of the private stories of its own)."""
    rnd = random.Random(1)
    stories: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    acl: list[dict[str, Any]] = []
    for sid in range(1, STORIES + 1):
        private = sid % 10 == 0
        stories.append({"id": sid, "title": f"Story {sid}", "description": "x", "is_bug": True,
                        "creator_id": 1 + sid % USERS, "story_type_id": 1, "private": private, "security": False,
                        "information_type": "private" if private else "public", "status": "active",
                        "count_todo": 1, "count_merged": 0, "count_invalid": 0, "count_review": 0,
                        "count_inprogress": 0, "created_at": NOW})
        if private:
            acl.append({"story_id": sid, "user_id": 1 + sid % USERS})
        project = 1 + sid % PROJECTS
        tasks.append({"id": sid, "title": "A task", "status": "todo", "creator_id": 1, "story_id": sid,
                      "project_id": project, "branch_id": project, "priority": "medium", "created_at": NOW})
        for k in range(EVENTS_PER_STORY):
            eid = len(events) + 1
            author = 1 + rnd.randrange(USERS)
            when = NOW + dt.timedelta(seconds=eid)
            if k % 4 == 1:
                cid = len(comments) + 1
                comments.append({"id": cid, "content": f"comment **{cid}**", "is_active": True, "story_id": sid,
                                 "author_id": author, "created_at": when})
                events.append({"id": eid, "event_type": "user_comment", "story_id": sid, "author_id": author,
                               "comment_id": cid, "event_info": None, "created_at": when})
            else:
                events.append({"id": eid, "event_type": "task_status_changed", "story_id": sid,
                               "author_id": author, "comment_id": None, "created_at": when,
                               "event_info": '{"task_title": "A task", "old_status": "todo", "new_status": "merged"}'})
    with session_scope(app.state.write_sessions) as session:
        conn = session.connection()
        conn.execute(insert(User), [{"id": i, "full_name": f"User {i}", "email": f"u{i}@example.org",
                                     "is_superuser": False, "enable_login": True, "created_at": NOW}
                                    for i in range(1, USERS + 1)])
        conn.execute(insert(Project), [{"id": i, "name": f"project-{i}", "is_active": True,
                                        "autocreate_branches": False, "created_at": NOW}
                                       for i in range(1, PROJECTS + 1)])
        conn.execute(insert(Branch), [{"id": i, "name": "master", "project_id": i, "expired": False,
                                       "autocreated": False, "restricted": False, "created_at": NOW}
                                      for i in range(1, PROJECTS + 1)])
        conn.execute(insert(ProjectGroup), [{"id": 1, "name": "group-1", "title": "Group 1", "created_at": NOW}])
        conn.execute(insert(ProjectGroupMember), [{"project_group_id": 1, "project_id": i} for i in range(1, 11)])
        conn.execute(insert(Story), stories)
        conn.execute(insert(StoryUser), acl)
        conn.execute(insert(Task), tasks)
        conn.execute(insert(Comment), comments)
        for start in range(0, len(events), 5000):
            conn.execute(insert(Event), events[start:start + 5000])
        _, token = create_token(session, 7, 3600, kind="feed")
    if app.state.engine.dialect.name == "postgresql":
        with app.state.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    print(f"{STORIES} stories, {len(events)} events, {len(comments)} comments, {app.state.engine.dialect.name}")
    return token


def read(client: TestClient, path: str, params: dict[str, str]) -> tuple[float, float, Any]:
    """One read's wall time and this process's CPU time (client and server: the app runs in process; a
    shared machine stretches the first, hardly the second); a 503 of a busy machine's database watcher
    is retried."""
    for _ in range(20):
        start, cpu = time.perf_counter(), time.process_time()
        r = client.get(path, params=params)
        elapsed, used = time.perf_counter() - start, time.process_time() - cpu
        if r.status_code != 503:
            break
        time.sleep(1)
    assert r.status_code == 200, (path, r.status_code, r.text[:200])
    return elapsed, used, r


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/feeds.db"
    upgrade(url)
    app = create_app(Settings(database_url=url, worker_in_process=False))
    token = load(app)
    with TestClient(app) as client:
        for label, path in PATHS.items():
            for who, params in (("anonymous", {}), ("feed token", {"token": token})):
                path_only, _, query = path.partition("?")
                params = {**dict(p.split("=") for p in query.split("&") if p), **params}
                times, cpus = [], []
                for _ in range(READS):
                    elapsed, used, r = read(client, path_only, params)
                    times.append(elapsed)
                    cpus.append(used)
                times.sort()
                print(f"{label:24s} {who:10s} median {statistics.median(times) * 1000:6.1f} ms  "
                      f"p90 {times[int(READS * 0.9) - 1] * 1000:6.1f} ms  "
                      f"cpu {statistics.median(cpus) * 1000:6.1f} ms  {r.text.count('<entry>')} entries")


if __name__ == "__main__":
    main()
