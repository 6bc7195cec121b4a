"""Compare Storyline's v1 responses with the real StoryBoard's, request by request.

Runs the same scenario (create a project, group, story, task, tags, comment; read them back;
provoke the usual errors) against both servers and compares, for every request: the status code,
the JSON keys of the body (objects, first element of lists, nested objects such as an event's
comment or a story's task_statuses), the JSON types of the values both have, and the paging headers.
Keys only Storyline has are additive (allowed); keys only StoryBoard has are defects.

    .venv/bin/python -m benchmarks.compare_shapes            # starts both servers
    .venv/bin/python -m benchmarks.compare_shapes --json out.json

Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from benchmarks.client import Target
from benchmarks.servers import OurServer, Peer

PAGING_HEADERS = ("x-total", "x-limit", "x-offset", "x-marker")
# Deliberate differences (storyboard-api-v1.md §6): StoryBoard sends `X-Limit: None` on a nested
# task list without a limit; Storyline omits X-Limit when no limit applies (§6.24).
EXPECTED_HEADER_DIFFERENCES = {("GET /v1/stories/{id}/tasks", "x-limit")}


def call(target: Target, method: str, path: str, body: Any = None,
         query: list[tuple[str, Any]] | None = None, token: bool | str = True) -> tuple[int, dict[str, str], Any]:
    if query:
        path = f"{path}?{urlencode(query)}"
    port = urlsplit(target.base_url).port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {target.token if token is True else token}"
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body).encode(), headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw.decode(errors="replace")[:200]
    return resp.status, hdrs, data


def jtype(v: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}[type(v)]


def shape(v: Any, prefix: str = "") -> dict[str, str]:
    """Flattened key → JSON type, descending into nested objects and the first element of lists."""
    out: dict[str, str] = {}
    if isinstance(v, list):
        if v:
            out.update(shape(v[0], prefix + "[]"))
        return out
    if isinstance(v, dict):
        for k, item in v.items():
            key = f"{prefix}.{k}" if prefix else k
            out[key] = jtype(item)
            if isinstance(item, dict | list):
                out.update(shape(item, key))
    return out


def scenario(t: Target) -> list[tuple[str, str, int, dict[str, str], Any]]:
    """The same requests on one server; ids are this server's own."""
    tag = uuid.uuid4().hex[:8]
    log: list[tuple[str, str, int, dict[str, str], Any]] = []

    def do(label: str, method: str, path: str, body: Any = None, query: Any = None,
           token: bool | str = True) -> Any:
        status, hdrs, data = call(t, method, path, body, query, token)
        log.append((method, label, status, hdrs, data))
        return data

    project = do("/v1/projects", "POST", "/v1/projects", {"name": f"shape-{tag}", "description": "Shapes"})
    pid = project["id"]
    do("/v1/projects/{id}", "GET", f"/v1/projects/{pid}")
    do("/v1/projects/{name}", "GET", f"/v1/projects/shape-{tag}")
    do("/v1/projects", "GET", "/v1/projects", query=[("limit", 2), ("sort_dir", "desc")])
    group = do("/v1/project_groups", "POST", "/v1/project_groups", {"name": f"shapes-{tag}", "title": "Shapes group"})
    gid = group["id"]
    do("/v1/project_groups/{id}/projects/{pid}", "PUT", f"/v1/project_groups/{gid}/projects/{pid}")
    do("/v1/project_groups/{id}", "GET", f"/v1/project_groups/{gid}")
    do("/v1/project_groups/{id}/projects", "GET", f"/v1/project_groups/{gid}/projects")
    do("/v1/branches", "GET", "/v1/branches", query=[("project_id", pid)])
    story = do("/v1/stories", "POST", "/v1/stories", {"title": f"Shape story {tag}", "description": "Body"})
    sid = story["id"]
    do("/v1/stories/{id}", "GET", f"/v1/stories/{sid}")
    do("/v1/stories/{id} PUT", "PUT", f"/v1/stories/{sid}", {"description": "Changed body"})
    do("/v1/stories", "GET", "/v1/stories", query=[("project_id", pid), ("limit", 2)])
    task = do("/v1/tasks", "POST", "/v1/tasks", {"title": f"Shape task {tag}", "story_id": sid, "project_id": pid})
    tid = task["id"]
    do("/v1/tasks/{id}", "GET", f"/v1/tasks/{tid}")
    do("/v1/tasks/{id} PUT", "PUT", f"/v1/tasks/{tid}", {"status": "review", "task_id": str(tid)})
    do("/v1/stories/{id}/tasks", "GET", f"/v1/stories/{sid}/tasks")
    do("/v1/tasks", "GET", "/v1/tasks", query=[("project_id", pid), ("status", "review"), ("limit", 5)])
    do("/v1/stories/{id}/tags PUT", "PUT", f"/v1/stories/{sid}/tags", query=[("tags", f"shape-{tag}")])
    do("/v1/tags?story_id", "GET", "/v1/tags", query=[("story_id", sid)])
    do("/v1/stories/{id}/comments POST", "POST", f"/v1/stories/{sid}/comments",
       {"content": f"Shape comment {tag}", "story_id": str(tid)})
    do("/v1/stories/{id}/comments", "GET", f"/v1/stories/{sid}/comments")
    do("/v1/stories/{id}/events", "GET", f"/v1/stories/{sid}/events", query=[("limit", 5)])
    do("/v1/events", "GET", "/v1/events", query=[("story_id", sid), ("event_type", "task_status_changed")])
    do("/v1/users/self", "GET", "/v1/users/self")
    do("/v1/users", "GET", "/v1/users", query=[("limit", 2)])
    do("/v1/teams POST", "POST", "/v1/teams", {"name": f"shape-team-{tag}"})
    do("/v1/teams", "GET", "/v1/teams", query=[("limit", 2)])
    do("/v1/subscriptions", "GET", "/v1/subscriptions", query=[("limit", 2)])
    do("/v1/systeminfo", "GET", "/v1/systeminfo")
    do("/v1/task_statuses", "GET", "/v1/task_statuses")
    # Errors.
    do("missing story", "GET", "/v1/stories/987654321")
    do("unknown route", "GET", "/v1/search/stories")
    do("short title", "POST", "/v1/stories", {"title": "ab"})
    do("anonymous read", "GET", f"/v1/stories/{sid}", token=False)
    do("bad token", "GET", f"/v1/stories/{sid}", token="not-a-valid-token")
    do("anonymous write", "POST", "/v1/stories", {"title": "Anonymous story"}, token=False)
    return log


def compare(ours: list[Any], theirs: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for (method, label, s1, h1, d1), (_, _, s2, h2, d2) in zip(ours, theirs, strict=True):
        a, b = shape(d1), shape(d2)
        type_diff = sorted(k for k in a.keys() & b.keys()
                           if a[k] != b[k] and "null" not in (a[k], b[k]))
        rows.append({
            "request": f"{method} {label}", "status": [s1, s2],
            "missing_keys": sorted(b.keys() - a.keys()), "extra_keys": sorted(a.keys() - b.keys()),
            "type_differences": type_diff,
            "headers": {h: [h1.get(h), h2.get(h)] for h in PAGING_HEADERS if h in h1 or h in h2},
        })
    return rows


def problems(row: dict[str, Any]) -> list[str]:
    out = []
    if row["status"][0] != row["status"][1]:
        out.append(f"status {row['status'][0]} vs {row['status'][1]}")
    if row["missing_keys"]:
        out.append("missing " + ", ".join(row["missing_keys"]))
    if row["type_differences"]:
        out.append("types differ: " + ", ".join(row["type_differences"]))
    for h, (ours, theirs) in row["headers"].items():
        if theirs is not None and ours is None and (row["request"], h) not in EXPECTED_HEADER_DIFFERENCES:
            out.append(f"header {h} missing")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peer-home", type=Path, default=Path.home() / ".cache" / "storyline-shapes-peer")
    ap.add_argument("--json", type=Path, help="write the comparison here")
    args = ap.parse_args(argv)
    ours_server, peer = OurServer("sqlite"), Peer(home=args.peer_home, workers=1)
    try:
        ours = scenario(ours_server.start())
        started = time.monotonic()
        theirs = scenario(peer.start(reset=True))
        print(f"(StoryBoard peer ready and run in {time.monotonic() - started:.0f} s)", file=sys.stderr)
    finally:
        ours_server.stop()
        peer.stop()
    rows = compare(ours, theirs)
    bad = 0
    for row in rows:
        issues = problems(row)
        mark = "OK  " if not issues else "DIFF"
        bad += bool(issues)
        extra = f"  (+{len(row['extra_keys'])} additive)" if row["extra_keys"] else ""
        print(f"{mark} {row['request']:<45} {row['status'][0]}/{row['status'][1]}{extra}"
              + ("" if not issues else "  " + "; ".join(issues)))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    print(f"\n{len(rows) - bad} of {len(rows)} requests have StoryBoard's shape (additive keys allowed).")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
