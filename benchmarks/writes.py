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
    step: int = 0


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
        def ms(q):
            return (round(percentile(lat, q) * 1000, 1) if lat else None)
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
                mine.append(Answer(req, c, status, body, time.perf_counter() - t0, i))
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
        # A follower of the story: every comment must reach their inbox (written after the commit).
        self.follower = _ok(conn, "POST", "/v1/users", {"full_name": f"{self.label} follower",
                                                        "email": f"{self.label}-follower@example.org"})["id"]
        _ok(conn, "POST", "/v1/subscriptions", {"user_id": self.follower, "target_type": "story",
                                                "target_id": self.story["id"]})

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
        inbox = _ok(conn, "GET", f"/v1/subscription_events?subscriber_id={self.follower}&event_type=user_comment")
        told = {json.loads(e["event_info"])["comment_id"] for e in inbox}
        for c in comments:
            if c["id"] not in told:
                problems.append(f"comment {c['id']} never reached the follower's inbox")
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


# ---------------------------------------------------------------------------------------------------
# The write benchmark (make bench): every kind of write at 1 and at 8 clients, the same requests on
# both servers (StoryBoard-compatible forms only), each cell building on the objects the previous
# ones created.

WRITE_KINDS = ("create story", "create task", "task status", "update story", "comment", "tags add/remove",
               "subscribe", "worklist item", "move card")


def _ids(run: Run) -> list[int]:
    out = []
    for a in sorted(run.ok, key=lambda a: (a.client, a.seconds)):
        try:
            out.append(int(json.loads(a.body)["id"]))
        except (ValueError, KeyError, TypeError):
            pass
    return out


class WriteBench:
    """The write cells on one server. `stories`: existing story ids to write on (the dataset's)."""

    def __init__(self, target: Target, stories: list[int], project_id: int, label: str,
                 lanes: list[int] | None = None) -> None:
        self.target = target
        self.stories = stories
        self.project_id = project_id
        self.label = label
        conn = Conn(target)
        try:
            self.me = _ok(conn, "GET", "/v1/users/self")["id"]
            self.worklist = _ok(conn, "POST", "/v1/worklists", {"title": f"{label} writes", "automatic": False})["id"]
            self.lanes = list(lanes or [])[:2]
            while len(self.lanes) < 2:
                self.lanes.append(_ok(conn, "POST", "/v1/worklists",
                                      {"title": f"{label} lane {len(self.lanes)}", "automatic": False})["id"])
            self.cards = [_ok(conn, "POST", f"/v1/worklists/{self.lanes[0]}/items",
                              {"item_id": stories[-1 - c], "item_type": "story", "list_position": c})["id"]
                          for c in range(8)]
        finally:
            conn.close()
        self.created_stories: list[int] = []
        self.created_tasks: list[int] = []
        self.followed = 0  # created tasks subscribed to so far

    def cell(self, kind: str, clients: int, total: int) -> Run:
        per = max(1, total // clients)
        L, S = self.label, self.stories

        def j(c: int, i: int) -> int:
            return c * per + i

        def make(c: int, i: int) -> Req:
            n = j(c, i)
            if kind == "create story":
                return Req("POST", "/v1/stories", {"title": f"{L} story {clients}-{n}",
                                                   "description": "created by the write benchmark"})
            if kind == "create task":
                sid = fresh[n % len(fresh)]
                return Req("POST", "/v1/tasks", {"title": f"{L} task {clients}-{n}", "story_id": sid,
                                                 "project_id": self.project_id})
            if kind == "task status":
                return Req("PUT", f"/v1/tasks/{tasks[n % len(tasks)]}",
                           {"status": STATUSES[(n // len(tasks)) % len(STATUSES)]})
            if kind == "update story":
                return Req("PUT", f"/v1/stories/{S[n % len(S)]}", {"description": f"{L} edit {clients}-{n}"})
            if kind == "comment":
                return Req("POST", f"/v1/stories/{S[n % len(S)]}/comments", {"content": f"{L} comment {clients}-{n}"})
            if kind == "tags add/remove":
                name = f"{L}-{clients}-{c}-{i // 2}"
                sid = S[(c * per + i // 2) % len(S)]
                return Req("PUT" if i % 2 == 0 else "DELETE", f"/v1/stories/{sid}/tags?tags={name}")
            if kind == "subscribe":
                # To tasks nobody follows yet (a story's creator already follows it).
                return Req("POST", "/v1/subscriptions", {"user_id": self.me, "target_type": "task",
                                                         "target_id": unfollowed[n % len(unfollowed)]})
            if kind == "worklist item":
                return Req("POST", f"/v1/worklists/{self.worklist}/items",
                           {"item_id": fresh[n % len(fresh)], "item_type": "story", "list_position": i % 10})
            if kind == "move card":
                here, there = (self.lanes[0], self.lanes[1]) if i % 2 == 0 else (self.lanes[1], self.lanes[0])
                return Req("PUT", f"/v1/worklists/{here}/items/{self.cards[c]}",
                           {"list_position": 0, "list_id": there})
            raise ValueError(kind)

        # The objects the previous cells created, a fresh set per cell (a story is subscribed to once).
        fresh = self.created_stories[-total:] or S
        tasks = self.created_tasks[-total:] or [0]
        unfollowed = self.created_tasks[self.followed:self.followed + total] or [0]
        if kind == "subscribe":
            self.followed += total
        run = hammer(self.target, make, clients, per)
        if kind == "create story":
            self.created_stories.extend(_ids(run))
        elif kind == "create task":
            self.created_tasks.extend(_ids(run))
        return run

    def comment_cost(self, story_id: int, requests: int) -> Run:
        """Comments on one story, one client: compare stories of different sizes."""
        return hammer(self.target, lambda c, i: Req("POST", f"/v1/stories/{story_id}/comments",
                                                    {"content": f"{self.label} flat {story_id}-{i}"}),
                      1, requests)


def subscribe_many(target: Target, story_id: int, users: int, label: str) -> None:
    """`users` new users, each subscribed to the story (as the superuser; Storyline only)."""
    conn = Conn(target)
    try:
        for n in range(users):
            uid = _ok(conn, "POST", "/v1/users", {"full_name": f"{label} subscriber {n}",
                                                  "email": f"{label}-{n}@example.org"})["id"]
            _ok(conn, "POST", "/v1/subscriptions", {"user_id": uid, "target_type": "story", "target_id": story_id})
    finally:
        conn.close()


def bench_writes(target: Target, stories: list[int], project_id: int, huge_id: int, label: str,
                 requests: int = 200, lanes: list[int] | None = None,
                 subscribers: int = 0) -> dict[str, Any]:
    """Every write kind at 1 and 8 clients; comments on the huge story against a one-task story; with
    `subscribers`, comments on a story with that many subscribers against one with none."""
    bench = WriteBench(target, stories, project_id, label, lanes)
    out: dict[str, Any] = {"cells": {}}
    for kind in WRITE_KINDS:
        for clients in (1, 8):
            run = bench.cell(kind, clients, requests)
            out["cells"][f"{kind}|{clients}"] = run.summary()
    one_task = bench.created_stories[0]
    flat = {"one-task story": bench.comment_cost(one_task, requests // 2).summary(),
            "1,500-task story": bench.comment_cost(huge_id, requests // 2).summary()}
    if subscribers:
        quiet, crowded = bench.created_stories[1], bench.created_stories[2]
        subscribe_many(target, crowded, subscribers, f"{label}-subs")
        flat["no subscribers"] = bench.comment_cost(quiet, requests // 2).summary()
        flat[f"{subscribers:,} subscribers"] = bench.comment_cost(crowded, requests // 2).summary()
    out["flat"] = flat
    return out


class WriteFloor:
    """One comment written with the plain driver in one transaction: the comment, its event, the
    story's updated_at and (SQLite) its full-text row; no HTTP, no framework, no checks."""

    def __init__(self, database_url: str, author_id: int) -> None:
        self.author_id = author_id
        self.sqlite = database_url.startswith("sqlite")
        if self.sqlite:
            import sqlite3

            self.conn: Any = sqlite3.connect(database_url.split(":///", 1)[1], isolation_level=None)
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.p = "?"
            self.kind = "sqlite3"
        else:
            import psycopg

            self.conn = psycopg.connect("postgresql://" + database_url.split("://", 1)[1], autocommit=True)
            self.p = "%s"
            self.kind = "psycopg"

    def comment(self, story_id: int, text: str) -> None:
        p = self.p
        now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
        cur = self.conn.cursor()
        cur.execute("BEGIN IMMEDIATE" if self.sqlite else "BEGIN")
        cur.execute(f"INSERT INTO comments (content, is_active, story_id, author_id, created_at) "
                    f"VALUES ({p}, {p}, {p}, {p}, {p}) RETURNING id", (text, True, story_id, self.author_id, now))
        comment_id = cur.fetchone()[0]
        cur.execute(f"INSERT INTO events (event_type, story_id, author_id, comment_id, created_at) "
                    f"VALUES ('user_comment', {p}, {p}, {p}, {p})", (story_id, self.author_id, comment_id, now))
        cur.execute(f"UPDATE stories SET updated_at = {p} WHERE id = {p}", (now, story_id))
        if self.sqlite:
            cur.execute("DELETE FROM story_fts WHERE rowid = ?", (story_id,))
            cur.execute("INSERT INTO story_fts (rowid, title, body) VALUES (?, 'title', ?)", (story_id, text))
        cur.execute("COMMIT")

    def measure(self, story_id: int, requests: int) -> dict[str, Any]:
        lat = []
        t0 = time.perf_counter()
        for i in range(requests):
            t = time.perf_counter()
            self.comment(story_id, f"floor comment {i}")
            lat.append(time.perf_counter() - t)
        wall = time.perf_counter() - t0
        s = sorted(lat)
        return {"driver": self.kind, "writes": requests, "rps": round(requests / wall, 1),
                "p50_ms": round(percentile(s, 50) * 1000, 2), "p99_ms": round(percentile(s, 99) * 1000, 2)}

    def close(self) -> None:
        self.conn.close()


TARGET_WRITE_RATIO = 10.0
TARGET_P99_MS = 50.0
TARGET_MAX_MS = 250.0


def writes_table(ours: dict[str, Any] | None, peer: dict[str, Any] | None) -> list[str]:
    """The writes section of the report: each cell side by side, then the flat-cost lines and targets."""
    if not ours:
        return []
    head = (f"{'write':<17}{'cl':>3} | {'ours rps':>8}{'p95':>7}{'p99':>7}{'max':>7} | {'SB rps':>7}{'p95':>7} | "
            f"{'x SB':>6} | errors (ours / SB)")
    lines = ["", "writes: 200 requests per cell, latencies in ms (p99 and max: the write targets at 8 clients)",
             head, "-" * len(head)]
    targets = []
    for key, o in ours["cells"].items():
        kind, clients = key.split("|")
        p = (peer or {}).get("cells", {}).get(key) or {}
        ratio = round(o["rps"] / p["rps"], 1) if p.get("rps") and o.get("rps") and p.get("ok") else None
        lines.append(f"{kind:<17}{clients:>3} | {_f(o['rps'])}{_f(o['p95_ms'], 7)}{_f(o['p99_ms'], 7)}"
                     f"{_f(o['max_ms'], 7)} | {_f(p.get('rps'), 7)}{_f(p.get('p95_ms'), 7)} | {_f(ratio, 6)} | "
                     f"{o['errors'] or 0} / {p.get('errors') or 0 if p else '-'}")
        checks = []
        if ratio is not None:
            checks.append(f">= {TARGET_WRITE_RATIO:g}x SB {'PASS' if ratio >= TARGET_WRITE_RATIO else 'FAIL'} ({ratio}x)")
        checks.append("0 errors " + ("PASS" if not o["errors"] else f"FAIL {o['errors']}"))
        if clients == "8" and o.get("p99_ms") is not None:
            ok = o["p99_ms"] < TARGET_P99_MS and o["max_ms"] < TARGET_MAX_MS
            checks.append(f"p99 < {TARGET_P99_MS:g} and max < {TARGET_MAX_MS:g} ms {'PASS' if ok else 'FAIL'} "
                          f"({o['p99_ms']} / {o['max_ms']})")
        targets.append(f"  {kind} x{clients}: " + "; ".join(checks))
    flat = ours.get("flat") or {}
    if flat:
        lines.append("flat cost, one client, comments (ours): " + "; ".join(
            f"{name} p50 {v['p50_ms']} ms" for name, v in flat.items()))
    if ours.get("floor"):
        f = ours["floor"]
        lines.append(f"floor of one comment ({f['driver']}, same rows in one transaction, in-process): "
                     f"p50 {f['p50_ms']} ms, {f['rps']} writes/s")
    return lines + ["write targets:"] + targets


def _f(v: Any, width: int = 8) -> str:
    return f"{'-' if v is None else v:>{width}}"
