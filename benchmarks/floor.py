"""The floor: what a read costs with no framework at all.

For get-story and the huge story's task list, the same rows are read from the same database with the
plain driver (sqlite3, or psycopg for PostgreSQL) and encoded with orjson into the exact JSON the API
returns (the benchmark checks byte-for-byte equality of the decoded documents against a live answer).
Timed in-process, one call at a time, so it has no HTTP, no routing, no ORM and no validation. The
visibility rule is kept (a private story must not leak), since any correct server has to apply it.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson

TASK_STATUSES = ("todo", "merged", "invalid", "review", "inprogress")

STORY_SQL = (
    "SELECT id, created_at, updated_at, title, description, is_bug, creator_id, story_type_id, private, "
    "security, status, count_todo, count_merged, count_invalid, count_review, count_inprogress{extra} "
    "FROM stories WHERE id = {p} AND (private = {false} OR EXISTS "
    "(SELECT 1 FROM story_users su WHERE su.story_id = stories.id AND su.user_id = {p}))"
)
# Additive security fields of the story JSON (information type and embargo), when the server sends them.
EMBARGO_COLUMNS = ", information_type, embargo_until, disclosure_at, disclosure_due_at"
# Additive import fields (duplicate_of and cves of a story, a task's Launchpad status, importance and
# milestone), when the server sends them.
IMPORT_COLUMNS = ", duplicate_of, cves"
TASK_IMPORT_COLUMNS = ", lp_status, lp_importance, lp_milestone"
TAGS_SQL = ("SELECT t.name FROM story_tags st JOIN tags t ON t.id = st.tag_id "
            "WHERE st.story_id = {p} ORDER BY t.name")
VISIBLE_SQL = (
    "SELECT id FROM stories WHERE id = {p} AND (private = {false} OR EXISTS "
    "(SELECT 1 FROM story_users su WHERE su.story_id = stories.id AND su.user_id = {p}))"
)
TASKS_SQL = (
    "SELECT id, created_at, updated_at, title, status, creator_id, story_id, link, project_id, "
    "assignee_id, branch_id, milestone_id, priority{extra} FROM tasks WHERE story_id = {p} ORDER BY id"
)


def _ts_text(v: str | None) -> str | None:
    """SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff'; v1 shows whole seconds with +00:00."""
    return None if v is None else f"{v[:10]}T{v[11:19]}+00:00"


def _as_datetime(v: Any) -> dt.datetime | None:
    if v is None or isinstance(v, dt.datetime):
        return v
    return dt.datetime.fromisoformat(v)


def _iso(v: Any) -> str | None:
    v = _as_datetime(v)
    return None if v is None else v.isoformat() + "+00:00"


def _ts_datetime(v: dt.datetime | None) -> str | None:
    if v is None:
        return None
    if v.tzinfo is not None:
        v = v.astimezone(dt.UTC).replace(tzinfo=None)
    return v.replace(microsecond=0).isoformat() + "+00:00"


class Floor:
    """Plain-driver implementations of GET /v1/stories/{id} and GET /v1/stories/{id}/tasks."""

    def __init__(self, database_url: str, viewer_id: int, story_keys: set[str] | frozenset[str] = frozenset()) -> None:
        """`story_keys`: the keys of a story as the server sends it (decides the additive fields)."""
        self.viewer_id = viewer_id
        self.embargo = "information_type" in story_keys
        self.imported = "duplicate_of" in story_keys
        if database_url.startswith("sqlite"):
            path = database_url.split(":///", 1)[1]
            self.conn: Any = sqlite3.connect(path, check_same_thread=False)
            p, false, self.ts = "?", "0", _ts_text
            self.kind = "sqlite3"
        else:
            import psycopg

            url = "postgresql://" + database_url.split("://", 1)[1]
            self.conn = psycopg.connect(url, autocommit=True)
            p, false, self.ts = "%s", "false", _ts_datetime
            self.kind = "psycopg"
        extra = (EMBARGO_COLUMNS if self.embargo else "") + (IMPORT_COLUMNS if self.imported else "")
        self.story_sql = STORY_SQL.format(p=p, false=false, extra=extra)
        self.tags_sql = TAGS_SQL.format(p=p)
        self.visible_sql = VISIBLE_SQL.format(p=p, false=false)
        self.tasks_sql = TASKS_SQL.format(p=p, extra=TASK_IMPORT_COLUMNS if self.imported else "")

    def close(self) -> None:
        self.conn.close()

    def get_story(self, story_id: int) -> bytes:
        cur = self.conn.cursor()
        cur.execute(self.story_sql, (story_id, self.viewer_id))
        r = cur.fetchone()
        if r is None:
            return orjson.dumps({"faultcode": "Client", "faultstring": f"Story {story_id} not found",
                                 "debuginfo": None})
        cur.execute(self.tags_sql, (story_id,))
        tags = [t for (t,) in cur.fetchall()]
        ts = self.ts
        story = {
            "id": r[0], "created_at": ts(r[1]), "updated_at": ts(r[2]), "title": r[3], "description": r[4],
            "is_bug": bool(r[5]), "creator_id": r[6], "story_type_id": r[7], "private": bool(r[8]),
            "security": bool(r[9]),
        }
        if self.embargo:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
            until = _as_datetime(r[17])
            story.update({
                "information_type": r[16], "embargo_until": _iso(until),
                "embargo_days_left": None if until is None else max((until - now).days, 0),
                "embargo_expired": r[19] is not None or (until is not None and until <= now),
                "disclosure_at": _iso(r[18]),
            })
        story.update({
            "status": r[10],
            "task_statuses": [{"key": k, "count": c} for k, c in zip(TASK_STATUSES, r[11:16], strict=True)],
            "tags": tags, "users": [], "teams": [],
        })
        if self.imported:
            at = 20 if self.embargo else 16
            story.update({"duplicate_of": r[at], "cves": orjson.loads(r[at + 1]) if r[at + 1] else []})
        return orjson.dumps(story)

    def story_tasks(self, story_id: int) -> bytes:
        cur = self.conn.cursor()
        cur.execute(self.visible_sql, (story_id, self.viewer_id))
        if cur.fetchone() is None:
            return orjson.dumps({"faultcode": "Client", "faultstring": f"Story {story_id} not found",
                                 "debuginfo": None})
        cur.execute(self.tasks_sql, (story_id,))
        ts = self.ts
        return orjson.dumps([
            {"id": r[0], "created_at": ts(r[1]), "updated_at": ts(r[2]), "title": r[3], "status": r[4],
             "creator_id": r[5], "story_id": r[6], "link": r[7], "project_id": r[8], "assignee_id": r[9],
             "branch_id": r[10], "milestone_id": r[11], "priority": r[12],
             **({"lp_status": r[13], "lp_importance": r[14], "lp_milestone": r[15]} if self.imported else {})}
            for r in cur.fetchall()
        ])


def time_calls(fn: Callable[[int], bytes], ids: list[int], iterations: int, warmup: int = 5) -> dict[str, Any]:
    """Call fn(id) `iterations` times, cycling over ids; latency percentiles in ms and calls per second."""
    for i in range(min(warmup, iterations)):
        fn(ids[i % len(ids)])
    lat = []
    start = time.perf_counter()
    for i in range(iterations):
        t0 = time.perf_counter()
        fn(ids[i % len(ids)])
        lat.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    return summarize(lat, wall)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def summarize(latencies: list[float], wall: float) -> dict[str, Any]:
    s = sorted(latencies)
    return {
        "requests": len(s),
        "p50_ms": round(percentile(s, 50) * 1000, 3),
        "p95_ms": round(percentile(s, 95) * 1000, 3),
        "mean_ms": round(statistics.fmean(s) * 1000, 3) if s else None,
        "rps": round(len(s) / wall, 1) if wall > 0 else None,
    }
