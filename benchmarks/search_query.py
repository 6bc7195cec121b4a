"""The query language's latency over 100,000 stories (docs/search.md, "The query language").

A synthetic dataset written straight into a fresh database through the database layer (Core inserts, the
search documents through search.index.put_many): 100,000 stories (one in twenty private, on the list of
their creator), one or two tasks each on 100 projects (a group of 10 of them), 500 users, 200 tags (one or
two a story); titles and descriptions draw 8 words from a vocabulary of 60 domain words ("scheduler",
"race"...: each in about one story in eight) and the rest from 5,000 synthetic words of Zipf frequencies. Then each query is asked through the HTTP
API in process (GET /preview/search, limit 25, so the count of every match and the page), as a logged-in
user and anonymously; prints the median and 90th percentile of the wall time, the median CPU time of this
process (the app and the client, and SQLite: a loaded machine stretches the wall time, hardly the CPU time),
on PostgreSQL the median CPU time of the server's processes, and the number of matches.

    .venv/bin/python -m benchmarks.search_query                 # a fresh SQLite file
    .venv/bin/python -m benchmarks.search_query --db postgresql  # a throwaway PostgreSQL (tests/pgserver.py)
    .venv/bin/python -m benchmarks.search_query --stories 20000 --reads 10
    .venv/bin/python -m benchmarks.search_query --url sqlite:////tmp/storyline-search-…/search.db  # again
    .venv/bin/python -m benchmarks.search_query --db postgresql --keep --load-only  # then --url …, and stop it
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from storyline.app import create_app
from storyline.config import Settings
from storyline.db import session_scope
from storyline.migrate import upgrade
from storyline.projects.models import Branch, Project, ProjectGroup, ProjectGroupMember
from storyline.search.index import put_many
from storyline.stories.models import Story, StoryTag, StoryUser, Tag, Task
from storyline.users.models import User
from storyline.users.tokens import create_token

ROOT = Path(__file__).resolve().parent.parent
USERS, PROJECTS, TAGS = 500, 100, 200
START = dt.datetime(2025, 1, 1)
VOCABULARY = ("scheduler race compute network volume image api quota timeout crash leak migration upgrade "
              "docs typo keystone token nova neutron cinder glance swift policy rbac database deadlock retry "
              "gate flaky test unit functional tempest console vnc serial port security group router dhcp "
              "condition memory cpu disk snapshot backup restore resize rebuild evacuate live").split()
SYNTHETIC = [f"w{i}x" for i in range(1, 5001)]
ZIPF = list(itertools.accumulate(1 / i for i in range(1, 5001)))  # cumulative weights
QUERIES = [
    "is:open",
    "",
    "is:open project:project-7",
    "tag:tag-5 is:open",
    "scheduler",
    "scheduler race",
    "w77x",
    "w1x",
    '"race condition" is:open',
    "assignee:7 is:open",
    "(tag:tag-1 OR tag:tag-2) -is:closed sort:id-asc",
    "project:project-3 updated:>2026-01-01 sort:updated-asc",
    "group:group-1 -tag:tag-3 is:open",
    'creator:"User 8" OR assignee:8',
    "private:yes",
    "deadlock -tag:tag-9 sort:created-desc",
]


def load(app: Any, stories: int) -> str:
    """The dataset; returns a token of user 7."""
    rnd = random.Random(1)
    story_rows: list[dict[str, Any]] = []
    task_rows: list[dict[str, Any]] = []
    acl: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    documents: list[tuple[int, str, str]] = []
    tag_names = {i: f"tag-{i}" for i in range(1, TAGS + 1)}
    for sid in range(1, stories + 1):
        private = sid % 20 == 0
        creator = 1 + sid % USERS
        status = rnd.choices(("active", "merged", "invalid"), (6, 3, 1))[0]
        created = START + dt.timedelta(minutes=7 * sid)
        updated = created + dt.timedelta(hours=rnd.randrange(0, 24 * 60))
        title = " ".join(rnd.choices(VOCABULARY, k=3) + rnd.choices(SYNTHETIC, cum_weights=ZIPF, k=3))
        description = " ".join(rnd.choices(VOCABULARY, k=5) + rnd.choices(SYNTHETIC, cum_weights=ZIPF, k=25))
        story_rows.append({"id": sid, "title": title, "description": description, "is_bug": True,
                           "creator_id": creator, "story_type_id": 1, "private": private, "security": False,
                           "information_type": "private" if private else "public", "status": status,
                           "count_todo": int(status == "active"), "count_merged": int(status == "merged"),
                           "count_invalid": int(status == "invalid"), "count_review": 0, "count_inprogress": 0,
                           "created_at": created, "updated_at": updated})
        if private:
            acl.append({"story_id": sid, "user_id": creator})
        story_tags = {1 + rnd.randrange(TAGS) for _ in range(rnd.choice((1, 2)))}
        tags.extend({"story_id": sid, "tag_id": t} for t in story_tags)
        for _ in range(rnd.choice((1, 2))):
            project = 1 + rnd.randrange(PROJECTS)
            task_status = {"active": "todo", "merged": "merged", "invalid": "invalid"}[status]
            task_rows.append({"id": len(task_rows) + 1, "title": "A task", "status": task_status, "creator_id": 1,
                              "story_id": sid, "project_id": project, "branch_id": project,
                              "assignee_id": 1 + rnd.randrange(USERS), "priority": "medium", "created_at": created})
        documents.append((sid, title, "\n".join([description, " ".join(tag_names[t] for t in sorted(story_tags)), ""])))
    started = time.perf_counter()
    with session_scope(app.state.write_sessions) as session:
        conn = session.connection()
        conn.execute(insert(User), [{"id": i, "full_name": f"User {i}", "email": f"u{i}@example.org",
                                     "is_superuser": False, "enable_login": True, "created_at": START}
                                    for i in range(1, USERS + 1)])
        conn.execute(insert(Project), [{"id": i, "name": f"project-{i}", "is_active": True,
                                        "autocreate_branches": False, "created_at": START}
                                       for i in range(1, PROJECTS + 1)])
        conn.execute(insert(Branch), [{"id": i, "name": "master", "project_id": i, "expired": False,
                                       "autocreated": False, "restricted": False, "created_at": START}
                                      for i in range(1, PROJECTS + 1)])
        conn.execute(insert(ProjectGroup), [{"id": 1, "name": "group-1", "title": "Group 1", "created_at": START}])
        conn.execute(insert(ProjectGroupMember), [{"project_group_id": 1, "project_id": i} for i in range(1, 11)])
        conn.execute(insert(Tag), [{"id": i, "name": name, "created_at": START} for i, name in tag_names.items()])
        for rows, table in ((story_rows, Story), (task_rows, Task), (tags, StoryTag), (acl, StoryUser)):
            for at in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[at:at + 5000])
        for at in range(0, len(documents), 5000):
            put_many(session, "story", documents[at:at + 5000])
        _, token = create_token(session, 7, 3600)
    # Statistics, and on PostgreSQL the visibility map (index-only scans): what autovacuum keeps in a live one.
    if app.state.engine.dialect.name == "postgresql":
        with app.state.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with app.state.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    print(f"{stories} stories, {len(task_rows)} tasks, {len(tags)} story tags, {len(acl)} private, "
          f"{app.state.engine.dialect.name}, loaded in {time.perf_counter() - started:.1f} s")
    return token


def server_cpu(app: Any) -> Any:
    """PostgreSQL on this machine: a function giving the CPU seconds its processes (the postmaster and its
    children: the backends) have used so far; None elsewhere. The server's share of a query, which the
    wall time of a loaded machine hides."""
    if app.state.engine.dialect.name != "postgresql":
        return None
    with app.state.engine.connect() as conn:
        data = conn.execute(text("SHOW data_directory")).scalar()
    try:
        postmaster = int(Path(str(data), "postmaster.pid").read_text().split()[0])
    except OSError:
        return None

    def used() -> float:
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if int(entry.name) == postmaster or parent == postmaster:
                    total += int((entry / "schedstat").read_text().split()[0])  # ns on a CPU
            except (OSError, ValueError, IndexError):
                continue
        return total / 1e9

    return used


def read(client: TestClient, q: str, headers: dict[str, str]) -> tuple[float, float, Any]:
    for _ in range(20):
        start, cpu = time.perf_counter(), time.process_time()
        r = client.get("/preview/search", params={"q": q, "limit": 25}, headers=headers)
        elapsed, used = time.perf_counter() - start, time.process_time() - cpu
        if r.status_code != 503:
            break
        time.sleep(1)
    assert r.status_code == 200, (q, r.status_code, r.text[:300])
    return elapsed, used, r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--url", help="a database this script loaded before: its data is read again, not loaded")
    parser.add_argument("--keep", action="store_true",
                        help="--db postgresql: keep the server and its data (prints the --url to read them again, "
                        "and the command that stops it)")
    parser.add_argument("--load-only", action="store_true", help="load the dataset, measure nothing")
    args = parser.parse_args()
    pg = None
    if args.url:
        url = args.url
    elif args.db == "postgresql":
        sys.path.insert(0, str(ROOT / "tests"))
        from pgserver import PostgresServer  # type: ignore[import-not-found]

        pg = PostgresServer().start()
        url = pg.create_database("storyline_search_bench")
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='storyline-search-')}/search.db"
    try:
        upgrade(url)
        app = create_app(Settings(database_url=url, worker_in_process=False))
        if args.url:
            with session_scope(app.state.write_sessions) as session:
                _, token = create_token(session, 7, 3600)
            print(f"{url}: the stories loaded before")
        else:
            token = load(app, args.stories)
            print(f"read it again: --url {url}")
        if args.load_only:
            return
        worst = 0.0
        db_cpu = server_cpu(app)
        with TestClient(app) as client:
            for who, headers in (("user 7", {"Authorization": f"Bearer {token}"}), ("anonymous", {})):
                for q in QUERIES:
                    read(client, q, headers)  # warm: statement compiled, pages cached
                    times, cpus, db_cpus = [], [], []
                    for _ in range(args.reads):
                        before = db_cpu() if db_cpu else 0.0
                        elapsed, used, r = read(client, q, headers)
                        times.append(elapsed)
                        cpus.append(used)
                        db_cpus.append((db_cpu() - before) if db_cpu else 0.0)
                    times.sort()
                    median = statistics.median(times) * 1000
                    worst = max(worst, median)
                    print(f"{who:9s} {q!r:56s} median {median:6.1f} ms  "
                          f"p90 {times[max(0, int(args.reads * 0.9) - 1)] * 1000:6.1f} ms  "
                          f"cpu {statistics.median(cpus) * 1000:6.1f} ms  "
                          + (f"server cpu {statistics.median(db_cpus) * 1000:6.1f} ms  " if db_cpu else "")
                          + f"{r.headers['X-Total']:>6s} matches")
        print(f"slowest median: {worst:.1f} ms ({'under' if worst < 100 else 'OVER'} 100 ms)")
    finally:
        if pg is not None and args.keep:
            print(f"kept: --url {url}\n  stop it: {'runuser -u postgres -- ' if pg.as_root else ''}"
                  f"{pg.bindir / 'pg_ctl'} -D {pg.data} -m immediate stop; rm -r {pg.root}")
        elif pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
