"""The StoryBoard import at scale: `storyline import storyboard` (the real CLI) from the real StoryBoard peer
(../shared/peers/storyboard/, in a state directory of its own, emptied first), filled with N synthetic
stories straight into its MariaDB (2 tasks, 5 comments with their events, 2 tags and a subscription each;
200 users, 10 projects), through the API (--url) and from the database (--database), into SQLite and
PostgreSQL.

    .venv/bin/python -m benchmarks.import_storyboard                   # 2,000 stories, both modes, both engines
    .venv/bin/python -m benchmarks.import_storyboard --stories 500 --db sqlite --mode database

Prints, per mode and engine, the first run's time and stories per second (the import's own report), and
the time of a second run (nothing changed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.servers import Peer

ROOT = Path(__file__).resolve().parent.parent
STORYLINE = Path(sys.executable).parent / "storyline"
PEER_HOME = Path.home() / ".cache" / "storyline-bench-import-peer"
USERS, PROJECTS = 200, 10


def fill(database: str, stories: int) -> None:
    """N stories with their tasks, comments, events, tags and subscriptions, written as StoryBoard writes them."""
    import pymysql
    from sqlalchemy.engine import make_url

    url = make_url(database)
    conn = pymysql.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                           database=url.database, charset="utf8mb4", autocommit=False)
    now = dt.datetime(2026, 1, 1)
    with conn.cursor() as cur:
        first_user = 3  # 1 and 2: the peer's admin and user
        cur.executemany("INSERT INTO users (id, created_at, full_name, email, openid, is_staff, is_active, "
                        "is_superuser, enable_login) VALUES (%s, %s, %s, %s, %s, 0, 1, 0, 1)",
                        [(i, now, f"Person {i}", f"p{i}@example.org", f"https://login.ubuntu.com/+id/p{i}")
                         for i in range(first_user, first_user + USERS)])
        cur.executemany("INSERT INTO projects (id, created_at, name, description, is_active, autocreate_branches) "
                        "VALUES (%s, %s, %s, %s, 1, 0)",
                        [(p, now, f"bench/project-{p}", f"Project {p}") for p in range(1, PROJECTS + 1)])
        cur.executemany("INSERT INTO branches (id, created_at, name, project_id, expired, autocreated, restricted) "
                        "VALUES (%s, %s, 'master', %s, 0, 0, 1)", [(p, now, p) for p in range(1, PROJECTS + 1)])
        cur.executemany("INSERT INTO storytags (id, created_at, name) VALUES (%s, %s, %s)",
                        [(t, now, f"tag-{t}") for t in range(1, 51)])
        task_id = comment_id = event_id = 0
        for start in range(1, stories + 1, 500):
            batch = range(start, min(start + 500, stories + 1))
            story_rows, tag_rows, task_rows, comment_rows, event_rows, sub_rows = [], [], [], [], [], []
            for s in batch:
                creator = first_user + s % USERS
                story_rows.append((s, now, now, creator, f"Benchmark story {s} about volumes",
                                   f"Description of story {s}\n\nwith two paragraphs."))
                tag_rows += [(s, 1 + s % 50), (s, 1 + (s + 7) % 50)]
                event_id += 1
                event_rows.append((event_id, now, s, None, creator, "story_created",
                                   f'{{"story_id": {s}, "story_title": "Benchmark story {s} about volumes"}}'))
                for k in range(2):
                    task_id += 1
                    project = 1 + (s + k) % PROJECTS
                    task_rows.append((task_id, now, f"task {k} of {s}", ("todo", "merged", "inprogress")[(s + k) % 3],
                                      s, project, first_user + (s + k) % USERS, creator, project))
                    event_id += 1
                    event_rows.append((event_id, now, s, None, creator, "task_created",
                                       f'{{"story_id": {s}, "task_id": {task_id}, "task_title": "task {k} of {s}"}}'))
                for k in range(5):
                    comment_id += 1
                    comment_rows.append((comment_id, now, f"Comment {k} on story {s}: it still fails with `-v`."))
                    event_id += 1
                    event_rows.append((event_id, now, s, comment_id, first_user + (s + k) % USERS, "user_comment", None))
                sub_rows.append((s, now, creator, "story", s))
            cur.executemany("INSERT INTO stories (id, created_at, updated_at, creator_id, title, description, is_bug, "
                            "story_type_id, private, security) VALUES (%s, %s, %s, %s, %s, %s, 1, 1, 0, 0)", story_rows)
            cur.executemany("INSERT INTO story_storytags (story_id, storytag_id) VALUES (%s, %s)", tag_rows)
            cur.executemany("INSERT INTO tasks (id, created_at, title, status, story_id, project_id, assignee_id, "
                            "creator_id, priority, branch_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'medium', %s)",
                            task_rows)
            cur.executemany("INSERT INTO comments (id, created_at, content, is_active) VALUES (%s, %s, %s, 1)",
                            comment_rows)
            cur.executemany("INSERT INTO events (id, created_at, story_id, comment_id, author_id, event_type, "
                            "event_info) VALUES (%s, %s, %s, %s, %s, %s, %s)", event_rows)
            cur.executemany("INSERT INTO subscriptions (id, created_at, user_id, target_type, target_id) "
                            "VALUES (%s, %s, %s, %s, %s)", sub_rows)
    conn.commit()
    conn.close()


def target_database(db: str, pg: object | None, n: int) -> str:
    from storyline.migrate import upgrade

    if db == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='storyline-sb-import-')}/import.db"
    else:
        url = pg.create_database(f"sb_import_{n}")  # type: ignore[attr-defined]
    upgrade(url)
    return url


def run_import(url: str, source: list[str]) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
    env["STORYLINE_DATABASE_URL"] = url
    started = time.monotonic()
    done = subprocess.run([str(STORYLINE), "import", "storyboard", *source, "--quiet"], env=env, capture_output=True,
                          text=True, timeout=7200)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"the import failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--mode", choices=("api", "database", "both"), default="both")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import PostgresServer

    engines = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    modes = ("database", "api") if args.mode == "both" else (args.mode,)
    peer = Peer(home=PEER_HOME, workers=2)
    pg = PostgresServer().start() if "postgresql" in engines else None
    try:
        target = peer.start(timeout=1200, reset=True)
        db_port = (PEER_HOME / "run" / "mariadb.port").read_text().strip()
        database = f"mysql+pymysql://storyboard:storyboard@127.0.0.1:{db_port}/storyboard"
        started = time.monotonic()
        fill(database, args.stories)
        print(f"StoryBoard filled with {args.stories} stories in {time.monotonic() - started:.1f} s ({peer.mode})")
        sources = {"api": ["--url", target.base_url, "--token", target.token], "database": ["--database", database]}
        n = 0
        for mode in modes:
            for db in engines:
                n += 1
                url = target_database(db, pg, n)
                first, report = run_import(url, sources[mode])
                second, again = run_import(url, sources[mode])
                rate = re.search(r"\((\d+) stories/s", report)
                print(f"{mode:8} into {db:10}: first run {first:6.1f} s (wall, {args.stories / first:5.0f} stories/s; "
                      f"the import's own count: {rate.group(1) if rate else '?'} stories/s), second run {second:5.1f} s"
                      f" ({'nothing to change' if 'nothing to change' in again else 'CHANGED'})")
                print("   " + report.splitlines()[0])
    finally:
        peer.stop()
        if pg is not None:
            pg.stop()


if __name__ == "__main__":
    main()
