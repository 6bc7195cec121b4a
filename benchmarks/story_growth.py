"""What a write costs on a story as its comments pile up: a comment, then a task status change, 100 of
each, on a fresh story and again once it has 500, 2,000 and 5,000 comments, through the HTTP API in
process; prints the wall time per write and the database statements that took longest per write.

On SQLite a story's full-text document (title, description, tags, comments) is in FTS5 rows of at
most 8,000 characters, and a new comment rewrites only the last one (search/index.append_to_story);
until 2026-12-09 it was one row, which each comment rewrote whole, so the comment's cost grew with the
story's comments. On PostgreSQL the comment's words are appended to the document
(`document || to_tsvector(...)`).

    .venv/bin/python -m benchmarks.story_growth                 # a fresh SQLite file
    .venv/bin/python -m benchmarks.story_growth --url postgresql+psycopg://…/empty_database
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from storyline.app import create_app
from storyline.config import Settings
from storyline.db import session_scope
from storyline.migrate import upgrade
from storyline.users import service as users_service
from storyline.users.tokens import create_token

SIZES = (0, 500, 2000, 5000)
WRITES = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="an empty database (default: a fresh SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='storyline-growth-')}/growth.db"
    upgrade(url)
    app = create_app(Settings(database_url=url, worker_in_process=False))
    spent: dict[str, float] = collections.defaultdict(float)

    @event.listens_for(app.state.engine, "before_cursor_execute")
    def _before(conn: Any, *_: Any) -> None:
        conn.info["started"] = time.perf_counter()

    @event.listens_for(app.state.engine, "after_cursor_execute")
    def _after(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        spent[" ".join(statement.split())[:100]] += time.perf_counter() - conn.info["started"]

    with TestClient(app) as client:
        with session_scope(app.state.write_sessions) as session:
            user = users_service.do_create_user(session, {"full_name": "Growth", "email": "growth@example.org",
                                                          "is_superuser": True})
            _, token = create_token(session, user.id, 3600)
        headers = {"Authorization": f"Bearer {token}"}

        def post(path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
            r = client.request(method, path, json=body, headers=headers)
            assert r.status_code == 200, r.text
            return dict(r.json())

        project = post("/v1/projects", {"name": "growth", "description": "Growth"})["id"]
        story = post("/v1/stories", {"title": "A story that grows"})["id"]
        task = post("/v1/tasks", {"title": "Its task", "story_id": story, "project_id": project})["id"]
        comments = 0
        print(f"{app.state.engine.dialect.name}: {WRITES} comments and {WRITES} task status changes per line")
        for size in SIZES:
            while comments < size:
                post(f"/v1/stories/{story}/comments",
                     {"content": f"Comment {comments}: the scheduler races the resize on a busy compute host"})
                comments += 1
            spent.clear()
            times: dict[str, list[float]] = {"comment": [], "status": []}
            for i in range(WRITES):
                started = time.perf_counter()
                post(f"/v1/stories/{story}/comments", {"content": f"Probe {i}: still racing"})
                times["comment"].append(time.perf_counter() - started)
                started = time.perf_counter()
                post(f"/v1/tasks/{task}", {"status": ("inprogress", "review")[i % 2]}, method="PUT")
                times["status"].append(time.perf_counter() - started)
            comments += WRITES
            median = {k: sorted(v)[len(v) // 2] * 1000 for k, v in times.items()}
            print(f"{size:5} comments before: comment median {median['comment']:6.2f} ms, "
                  f"status change median {median['status']:6.2f} ms")
            for statement, seconds in sorted(spent.items(), key=lambda kv: -kv[1])[:3]:
                print(f"      {seconds / (2 * WRITES) * 1000:6.2f} ms per write  {statement}")
    app.state.engine.dispose()


if __name__ == "__main__":
    main()
