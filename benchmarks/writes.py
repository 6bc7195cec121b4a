"""Writes under concurrency: many clients writing at once, every answer kept and checked afterwards.

`hammer` sends the requests a scenario makes from `clients` threads (one keep-alive connection each)
and keeps every answer, so that a test or the benchmark can check afterwards that each acknowledged
write is really there. `OneStory` is the hardest case for a tracker: every client writes to the same
story (comments, new tags, the same new tag as another client at the same moment on a second story,
task status, story edits), so every write contends for the same rows.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.client import Conn, Target, TransportError
from benchmarks.floor import percentile

NO_ANSWER = 0
STATUSES = ("inprogress", "review", "merged", "todo")


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    body: Any = None
    kind: str = ""


@dataclass
class Answer:
    req: Req
    client: int
    status: int
    body: bytes
    seconds: float


@dataclass
class Run:
    answers: list[Answer] = field(default_factory=list)
    wall: float = 0.0

    @property
    def ok(self) -> list[Answer]:
        return [a for a in self.answers if 200 <= a.status < 300]

    def failures(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.answers:
            if not 200 <= a.status < 300:
                key = "no answer" if a.status == NO_ANSWER else str(a.status)
                out[key] = out.get(key, 0) + 1
        return out

    def summary(self) -> dict[str, Any]:
        lat = sorted(a.seconds for a in self.ok)
        ms = (lambda q: round(percentile(lat, q) * 1000, 1) if lat else None)
        return {"requests": len(self.answers), "ok": len(lat), "errors": self.failures(),
                "rps": round(len(self.answers) / self.wall, 1) if self.wall > 0 else None,
                "p50_ms": ms(50), "p95_ms": ms(95), "p99_ms": ms(99), "max_ms": ms(100)}


def hammer(target: Target, make: Callable[[int, int], Req | None], clients: int, per_client: int,
           max_seconds: float = 120.0, timeout: float = 60.0) -> Run:
    """Client c sends make(c, 0), make(c, 1), ... (None: that client is done), all clients at once."""
    run = Run()
    lock = threading.Lock()
    gate = threading.Barrier(clients + 1)
    deadline = time.perf_counter() + max_seconds

    def worker(c: int) -> None:
        conn = Conn(target, timeout=timeout)
        mine: list[Answer] = []
        gate.wait()
        try:
            for i in range(per_client):
                req = make(c, i)
                if req is None or time.perf_counter() > deadline:
                    break
                t0 = time.perf_counter()
                try:
                    status, body = conn.request(req.method, req.path, req.body)
                except TransportError:
                    status, body = NO_ANSWER, b""
                mine.append(Answer(req, c, status, body, time.perf_counter() - t0))
        finally:
            conn.close()
            with lock:
                run.answers.extend(mine)

    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in range(clients)]
    for t in threads:
        t.start()
    gate.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    run.wall = time.perf_counter() - t0
    return run


def _ok(conn: Conn, method: str, path: str, body: Any = None) -> Any:
    status, payload = conn.request(method, path, body)
    if not 200 <= status < 300:
        raise RuntimeError(f"{method} {path} answered {status}: {payload[:300]!r}")
    return json.loads(payload) if payload else None


class OneStory:
    """Every client writes to one story: comment, new tag, same-new-tag race, task status, story edit.

    Client c owns task c of the story (its status changes), and clients 2k and 2k+1 add the same new
    tag at the same step, one to the story and one to a second story (both must succeed).
    """

    KINDS = ("comment", "tag", "status", "story")

    def __init__(self, conn: Conn, clients: int, label: str = "") -> None:
        self.clients = clients
        self.label = label or f"one-story-{time.time_ns()}"
        project = _ok(conn, "POST", "/v1/projects", {"name": f"load-{time.time_ns()}",
                                                      "description": "write load"})
        self.story = _ok(conn, "POST", "/v1/stories", {"title": f"{self.label} target",
                                                        "description": "one story, many writers"})
        self.other = _ok(conn, "POST", "/v1/stories", {"title": f"{self.label} second",
                                                        "description": "the same new tags"})
        self.tasks = [_ok(conn, "POST", "/v1/tasks", {"title": f"task {c}", "story_id": self.story["id"],
                                                       "project_id": project["id"]})["id"]
                      for c in range(clients)]
        _ok(conn, "POST", "/v1/tasks", {"title": "second", "story_id": self.other["id"],
                                        "project_id": project["id"]})

    def make(self, c: int, i: int) -> Req:
        sid = self.story["id"]
        if i == 0:
            # All clients start at once: clients 2k and 2k+1 add the same new tag to two stories.
            target = sid if c % 2 == 0 else self.other["id"]
            return Req("PUT", f"/v1/stories/{target}/tags", [f"{self.label}-shared-{c // 2}"], "shared_tag")
        kind = self.KINDS[(c + i) % len(self.KINDS)]
        if kind == "comment":
            return Req("POST", f"/v1/stories/{sid}/comments", {"content": f"{self.label} comment {c}-{i}"}, kind)
        if kind == "tag":
            return Req("PUT", f"/v1/stories/{sid}/tags", [f"{self.label}-c{c}-{i}"], kind)
        if kind == "status":
            return Req("PUT", f"/v1/tasks/{self.tasks[c]}", {"status": STATUSES[i % len(STATUSES)]}, kind)
        return Req("PUT", f"/v1/stories/{sid}", {"description": f"edited by {c} at step {i}"}, kind)

    def verify(self, conn: Conn, run: Run) -> list[str]:
        """Every acknowledged write is there and the story is consistent with its tasks."""
        problems: list[str] = []
        sid = self.story["id"]
        comments = _ok(conn, "GET", f"/v1/stories/{sid}/comments")
        texts = {c["content"] for c in comments}
        events = _ok(conn, "GET", f"/v1/stories/{sid}/events?event_type=user_comment")
        event_comments = {e.get("comment_id") for e in events}
        for a in run.ok:
            if a.req.kind == "comment" and a.req.body["content"] not in texts:
                problems.append(f"acknowledged comment missing: {a.req.body['content']}")
        for c in comments:
            if c["id"] not in event_comments:
                problems.append(f"comment {c['id']} has no user_comment event")
        story = _ok(conn, "GET", f"/v1/stories/{sid}")
        other = _ok(conn, "GET", f"/v1/stories/{self.other['id']}")
        tags = set(story["tags"]) | set(other["tags"])
        for a in run.ok:
            if a.req.kind in ("tag", "shared_tag") and a.req.body[0] not in tags:
                problems.append(f"acknowledged tag missing: {a.req.body[0]}")
        tasks = _ok(conn, "GET", f"/v1/stories/{sid}/tasks")
        by_id = {t["id"]: t["status"] for t in tasks}
        statuses = [by_id[t] for t in self.tasks]
        expected = "active" if any(s in ("todo", "inprogress", "review") for s in statuses) else "merged"
        if story["status"] != expected:
            problems.append(f"story status {story['status']} disagrees with its tasks {statuses}")
        counts = {e["key"]: e["count"] for e in story["task_statuses"]}
        for key in ("todo", "inprogress", "review", "merged", "invalid"):
            if counts.get(key, 0) != statuses.count(key):
                problems.append(f"task_statuses {key}={counts.get(key)} but {statuses.count(key)} tasks")
        return problems
