"""v1 byte-identity check: every v1 GET answer of one source tree, recorded and compared with another's.

    python -m benchmarks.v1_snapshot record TREE OUT.json     # TREE: a checkout (git worktree add ...)
    python -m benchmarks.v1_snapshot compare A.json B.json    # every difference, grouped
    python -m benchmarks.v1_snapshot both TREE_A TREE_B DIR   # record both, then compare

`record` runs TREE's own code (`storyline` with PYTHONPATH=TREE/src, TREE's migrations) as an operator
would: a fresh SQLite database, `db upgrade`, a superuser and a regular user made by the CLI, then
`storyline serve`. It loads a small deterministic benchmark dataset through the v1 API
(`benchmarks.dataset`, one connection, so every id is the same on every run) and a few objects the
dataset lacks (private stories with access lists, a team, a group, a branch and milestone,
subscriptions, inbox rows, preferences). It then stops the server and sets every timestamp in the
database to one instant (tokens stay valid: their expiry and last use lie in 2099), starts it again and
records, for each GET operation under /v1 of TREE's OpenAPI document, expanded with the dataset's
ids (and missing ones), every answer as seen by anonymous, the regular user and the superuser: status,
headers (but Date and Server) and body bytes.

`compare` prints each difference (operation, persona, status, headers, the first differing bytes of
the body), grouped by operation, and the operations only one side has.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchmarks.client import LOOPBACK, Conn, Target
from benchmarks.dataset import Loader, Sizes, make_plan
from benchmarks.servers import stop_process, wait_ready

SIZES = Sizes(projects=4, stories=40, huge_tasks=25, tags=8, comment_every=3, max_tasks_per_story=3,
              planning_stories=15, lanes=3, cards=12)
INSTANT = "2026-01-01 00:00:00.000000"
FUTURE = "2099-01-01 00:00:00.000000"
MISSING = 999999
# One port for every recording: feeds carry their own URL (and ids derived from it).
PORT = 18765
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")
SKIP_HEADERS = {"date", "server"}
# GET operations that are no answer of the API itself: the login's redirects and pages.
SKIP_PATHS = re.compile(r"^/v1/openid/")


class Server:
    """`storyline serve` of one source tree on a SQLite file of its own."""

    def __init__(self, tree: Path, port: int = PORT) -> None:
        self.tree = tree.resolve()
        self.workdir = Path(tempfile.mkdtemp(prefix="v1-snapshot-"))
        self.db = self.workdir / "storyline.db"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = port

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORYLINE_")}
        env["PYTHONPATH"] = str(self.tree / "src")
        env["STORYLINE_DATABASE_URL"] = f"sqlite:///{self.db}"
        env["STORYLINE_ACCESS_LOG"] = "false"
        return env

    def cli(self, *args: str) -> str:
        res = subprocess.run([sys.executable, "-m", "storyline.cli", *args], env=self.env(), cwd=self.tree,
                             capture_output=True, text=True, timeout=180)
        if res.returncode != 0:
            raise RuntimeError(f"storyline {' '.join(args)}: {res.stderr.strip() or res.stdout.strip()}")
        return res.stdout.strip().splitlines()[-1].strip()

    def start(self, token: str) -> Target:
        log = open(self.workdir / "serve.log", "ab")  # noqa: SIM115 (kept open for the child)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "storyline.cli", "serve", "--host", LOOPBACK, "--port", str(self.port),
             "--workers", "1"], env=self.env(), cwd=self.tree, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        target = Target("snapshot", f"http://{LOOPBACK}:{self.port}", token)
        wait_ready(target, self.proc, self.workdir / "serve.log", timeout=90)
        return target

    def stop(self) -> None:
        stop_process(self.proc, timeout=15)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _call(conn: Conn, method: str, path: str, body: Any = None, query: list[tuple[str, Any]] | None = None,
          ok: tuple[int, ...] = (200, 201, 204)) -> Any:
    status, payload = conn.request(method, path, body, query)
    if status not in ok:
        raise RuntimeError(f"{method} {path}: {status} {payload[:300]!r}")
    return json.loads(payload) if payload else None


def _extras(admin: Conn, regular: Conn, regular_id: int, loaded: Any) -> dict[str, Any]:
    """Objects the benchmark dataset lacks, the same requests on every tree."""
    p0, p1 = loaded.project_ids[0], loaded.project_ids[1]
    team = _call(admin, "POST", "/v1/teams", {"name": "snapshot-team", "description": "Readers of the private work"})
    _call(admin, "PUT", f"/v1/teams/{team['id']}/users/{regular_id}")
    _call(admin, "PUT", f"/v1/teams/{team['id']}/projects/{p0}")
    group = _call(admin, "POST", "/v1/project_groups", {"name": "snapshot-group", "title": "Snapshot group"})
    for p in (p0, p1):
        _call(admin, "PUT", f"/v1/project_groups/{group['id']}/projects/{p}")
    branch = _call(admin, "POST", "/v1/branches", {"name": "stable-2026", "project_id": p0})
    milestone = _call(admin, "POST", "/v1/milestones", {"name": "milestone-1", "branch_id": branch["id"]})
    hidden = _call(admin, "POST", "/v1/stories", {"title": "Private: admin only", "description": "secret words",
                                                   "private": True, "users": [1]})
    by_team = _call(admin, "POST", "/v1/stories", {"title": "Private: the team", "description": "team words",
                                                    "private": True, "teams": [team["id"]], "users": [1]})
    shared = _call(admin, "POST", "/v1/stories", {"title": "Private: shared", "description": "shared words",
                                                   "private": True, "users": [1, regular_id]})
    for story in (hidden, by_team, shared):
        _call(admin, "POST", "/v1/tasks", {"title": f"task of {story['title']}", "story_id": story["id"],
                                           "project_id": p0, "status": "todo"})
    _call(admin, "PUT", f"/v1/stories/{hidden['id']}/tags", query=[("tags", "private-only-tag")])
    _call(admin, "PUT", f"/v1/stories/{shared['id']}/tags", query=[("tags", "shared-tag")])
    _call(admin, "POST", f"/v1/stories/{shared['id']}/comments", {"content": "A comment on the shared story"})
    for target_type, target_id in (("story", loaded.story_ids[0]), ("project", p0), ("project_group", group["id"])):
        _call(regular, "POST", "/v1/subscriptions", {"target_type": target_type, "target_id": target_id})
    _call(regular, "POST", f"/v1/stories/{loaded.story_ids[0]}/comments", {"content": "Regular's comment"})
    _call(regular, "POST", f"/v1/stories/{shared['id']}/comments", {"content": "Regular on the shared story"})
    _call(admin, "POST", f"/v1/stories/{loaded.story_ids[0]}/comments", {"content": "Admin answers"})
    _call(regular, "POST", f"/v1/users/{regular_id}/preferences", {"page_size": 20})
    for conn in (admin, regular):  # the inbox rows are written after the commits: wait for them
        _call(conn, "GET", "/v1/subscription_events")
    return {"team": team["id"], "group": group["id"], "branch": branch["id"], "milestone": milestone["id"],
            "hidden": hidden["id"], "by_team": by_team["id"], "shared": shared["id"]}


def _normalize_times(db: Path) -> int:
    """Every timestamp to one instant (tokens' expiry and last use to 2099), also inside events' JSON
    (an account notice names a token's expiry); returns the columns set."""
    con = sqlite3.connect(db)
    n = 0
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%'")]
        for table in tables:
            for _, col, ctype, *_ in con.execute(f'PRAGMA table_info("{table}")').fetchall():
                kind = (ctype or "").upper()
                if "info" in col and ("TEXT" in kind or "CHAR" in kind):
                    rows = con.execute(f'SELECT rowid, "{col}" FROM "{table}" WHERE "{col}" IS NOT NULL').fetchall()
                    for rowid, text in rows:
                        new = ISO.sub("2026-01-01T00:00:00+00:00", text)
                        if new != text:
                            con.execute(f'UPDATE "{table}" SET "{col}" = ? WHERE rowid = ?', (new, rowid))
                    continue
                if "DATETIME" not in kind and "TIMESTAMP" not in kind:
                    continue
                value = FUTURE if table == "access_tokens" and col in ("expires_at", "last_used_at") else INSTANT
                con.execute(f'UPDATE "{table}" SET "{col}" = ? WHERE "{col}" IS NOT NULL', (value,))
                n += 1
        con.commit()
    finally:
        con.close()
    return n


def _ids(admin: Conn, loaded: Any, extras: dict[str, Any], regular_id: int) -> dict[str, list[Any]]:
    """Sample values of each path parameter (by name), missing ones included."""
    s0 = loaded.story_ids[0]
    tasks = _call(admin, "GET", "/v1/tasks", query=[("story_id", s0)])
    comments = _call(admin, "GET", f"/v1/stories/{s0}/comments")
    events = _call(admin, "GET", f"/v1/stories/{s0}/events")
    hidden_events = _call(admin, "GET", f"/v1/stories/{extras['hidden']}/events")
    subs = _call(admin, "GET", "/v1/subscriptions", query=[("user_id", regular_id)])
    inbox = _call(admin, "GET", "/v1/subscription_events")
    tokens = _call(admin, "GET", "/v1/users/1/tokens")
    project = _call(admin, "GET", f"/v1/projects/{loaded.project_ids[0]}")
    stories = [loaded.huge_id, s0, extras["hidden"], extras["by_team"], extras["shared"], MISSING]
    return {
        "story_id": stories,
        "task_id": [t["id"] for t in tasks[:2]] + [MISSING],
        "comment_id": [c["id"] for c in comments[:2]] + [MISSING],
        "event_id": [e["id"] for e in events[:2]] + [e["id"] for e in hidden_events[:1]]
                    + [e["id"] for e in inbox[:2]] + [MISSING],
        "project_id": [loaded.project_ids[0], MISSING],
        "project_ref": [loaded.project_ids[0], project["name"], MISSING],
        "group_id": [extras["group"], MISSING],
        "group_ref": [extras["group"], "snapshot-group", "snapshot-group/projects", f"{extras['group']}/projects",
                      MISSING],
        "team_id": [extras["team"], MISSING],
        "team_ref": [extras["team"], "snapshot-team", MISSING],
        "user_id": [1, regular_id, MISSING],
        "token_id": [t["id"] for t in tokens[:1]] + [MISSING],
        "subscription_id": [s["id"] for s in subs[:2]] + [MISSING],
        "worklist_id": [w for w in (loaded.auto_id, *loaded.lane_ids[:1]) if w] + [MISSING],
        "board_id": [b for b in (loaded.board_id,) if b] + [MISSING],
        "branch_id": [extras["branch"], MISSING],
        "milestone_id": [extras["milestone"], MISSING],
        "name": ["private-only-tag", "shared-tag", "ui", "no-such-tag"],
        "default": [1, MISSING],
    }


# Path parameter names that are a reference by id or name, by the path's first segment.
_REFS = {"projects": "project_ref", "project_groups": "group_ref", "teams": "team_ref"}


def _expand(path: str, ids: dict[str, list[Any]]) -> list[str]:
    params = re.findall(r"\{([^}:]+)(?::[^}]*)?\}", path)
    urls = [path]
    for p in params:
        first = path.split("/")[2] if path.count("/") > 1 else ""
        key = p
        if p in ("ref", "project_ref", "group_ref", "team_ref"):
            key = _REFS.get(first, "default")
        elif p == "tag_name":
            key = "name"
        values = ids.get(key, ids["default"])
        urls = [re.sub(r"\{" + re.escape(p) + r"(?::[^}]*)?\}", quote(str(v), safe="/"), u, count=1)
                for u in urls for v in values]
    return urls


def _queries(path: str, ids: dict[str, list[Any]]) -> list[str]:
    """Query variants of a list: none, a page, a sort, and the filters its clients use."""
    out = [""]
    if "{" in path:
        return out
    out += ["?limit=5&offset=1", "?sort_field=id&sort_dir=desc&limit=5"]
    story, project = ids["story_id"][1], ids["project_id"][0]
    extra = {
        "/v1/stories": [f"?project_id={project}", "?status=active&limit=10", "?tags=ui", "?subscriber_id=2",
                        f"?project_group_id={ids['group_id'][0]}", "?title=Private"],
        "/v1/stories/search": ["?q=scheduler", "?q=secret", "?q=shared"],
        "/v1/tasks": [f"?story_id={story}", f"?project_id={project}&status=todo"],
        "/v1/tasks/search": ["?q=python3"],
        "/v1/projects": ["?subscriber_id=2", f"?project_group_id={ids['group_id'][0]}"],
        "/v1/project_groups": ["?subscriber_id=2"],
        "/v1/users": ["?full_name=Regular", "?email=regular@example.org"],
        "/v1/users/search": ["?q=Regular"],
        "/v1/tags": ["?name=private"],
        "/v1/subscriptions": ["?user_id=2", "?target_type=story"],
        "/v1/subscription_events": ["?subscriber_id=2", "?event_type=user_comment"],
        "/v1/worklists": ["?subscriber_id=2"],
        "/v1/teams": [f"?project_id={project}"],
        "/v1/branches": [f"?project_id={project}"],
        "/v1/milestones": [f"?branch_id={ids['branch_id'][0]}"],
    }
    return out + extra.get(path, [])


def record(tree: Path, out: Path, port: int = PORT) -> None:
    server = Server(tree, port)
    try:
        t0 = time.monotonic()
        server.cli("db", "upgrade")
        server.cli("users", "create", "--name", "Snapshot Admin", "--email", "admin@example.org", "--superuser")
        regular_id = int(server.cli("users", "create", "--name", "Regular User", "--email", "regular@example.org"))
        admin_token = server.cli("tokens", "create", "--user", "admin@example.org")
        regular_token = server.cli("tokens", "create", "--user", "regular@example.org")
        target = server.start(admin_token)
        loaded = Loader(target, make_plan(SIZES), workers=1, progress=False).load()
        if loaded.statuses:
            raise RuntimeError(f"the dataset did not load cleanly: {loaded.statuses} {loaded.samples}")
        admin = Conn(target)
        regular = Conn(Target("regular", target.base_url, regular_token))
        extras = _extras(admin, regular, regular_id, loaded)
        server.stop()
        columns = _normalize_times(server.db)
        target = server.start(admin_token)
        admin = Conn(target)
        ids = _ids(admin, loaded, extras, regular_id)
        status, spec = admin.request("GET", "/openapi.json")
        paths = sorted(p for p, ops in json.loads(spec)["paths"].items()
                       if p.startswith("/v1/") and "get" in ops and not SKIP_PATHS.match(p))
        personas = {"anonymous": Conn(Target("anonymous", target.base_url, "x")),
                    "regular": Conn(Target("regular", target.base_url, regular_token)), "superuser": admin}
        del personas["anonymous"].headers["Authorization"]
        answers: dict[str, Any] = {}
        for path in paths:
            for url in _expand(path, ids):
                for q in _queries(path, ids):
                    for who, conn in personas.items():
                        answers.setdefault(path, {}).setdefault(url + q, {})[who] = _answer(conn, url + q)
        data = {"tree": str(tree), "commit": _commit(tree), "ids": ids,
                "timestamp_columns": columns, "paths": paths, "answers": answers,
                "seconds": round(time.monotonic() - t0, 1)}
        out.write_text(json.dumps(data, indent=1, sort_keys=True))
        n = sum(len(v) for v in answers.values())
        print(f"{tree}: {len(paths)} GET operations, {n} URLs x 3 personas recorded in {data['seconds']} s -> {out}")
    finally:
        server.cleanup()


def _answer(conn: Conn, url: str) -> dict[str, Any]:
    path, _, query = url.partition("?")
    conn._connection().request("GET", url, headers={k: v for k, v in conn.headers.items()
                                                    if k != "Content-Type"})
    resp = conn._connection().getresponse()
    body = resp.read()
    if resp.will_close:
        conn.close()
    headers = sorted((k.lower(), v) for k, v in resp.getheaders() if k.lower() not in SKIP_HEADERS)
    try:
        text: dict[str, str] = {"text": body.decode()}
    except UnicodeDecodeError:
        text = {"base64": base64.b64encode(body).decode()}
    return {"status": resp.status, "headers": headers, **text}


def _commit(tree: Path) -> str:
    res = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True)
    return res.stdout.strip()


def _first_difference(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, i - 60)
    return f"at byte {i}: A …{a[start:i + 100]!r}\n      B …{b[start:i + 100]!r}"


def _json_changes(x: Any, y: Any, path: str = "") -> list[tuple[str, str, Any, Any]]:
    """Structural differences of two JSON values: (kind, path with list indexes as [*], old, new)."""
    if isinstance(x, dict) and isinstance(y, dict):
        out: list[tuple[str, str, Any, Any]] = []
        for k in x.keys() | y.keys():
            if k not in y:
                out.append(("key removed", f"{path}.{k}", x[k], None))
            elif k not in x:
                out.append(("key added", f"{path}.{k}", None, y[k]))
            else:
                out += _json_changes(x[k], y[k], f"{path}.{k}")
        if not out and list(x) != list(y):
            out.append(("key order", path, list(x), list(y)))
        return out
    if isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            return [("list length", f"{path}[*]", len(x), len(y))]
        return [c for i, (u, v) in enumerate(zip(x, y, strict=True)) for c in _json_changes(u, v, f"{path}[*]")]
    return [] if x == y else [("value", path, x, y)]


def _body_changes(x: dict[str, Any], y: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    try:
        return _json_changes(json.loads(x.get("text", "")), json.loads(y.get("text", "")))
    except ValueError:
        return [("bytes", "", None, None)]


def compare(a_file: Path, b_file: Path) -> int:
    """Prints the differences; returns 1 when there is any (0 when B answers exactly as A)."""
    a, b = json.loads(a_file.read_text()), json.loads(b_file.read_text())
    print(f"A: {a['commit'][:10]} ({a['tree']})\nB: {b['commit'][:10]} ({b['tree']})")
    only_a = sorted(set(a["answers"]) - set(b["answers"]))
    only_b = sorted(set(b["answers"]) - set(a["answers"]))
    for label, items in (("GET operations only in A", only_a), ("GET operations only in B (new)", only_b)):
        if items:
            print(f"\n{label}:")
            for p in items:
                print(f"  {p}")
    diffs: dict[str, list[str]] = defaultdict(list)
    headers: dict[tuple[str, Any, Any], list[str]] = defaultdict(list)
    changes: dict[tuple[str, str, str], list[tuple[str, Any, Any]]] = defaultdict(list)
    same = total = 0
    for path in sorted(set(a["answers"]) & set(b["answers"])):
        urls_a, urls_b = a["answers"][path], b["answers"][path]
        for url in sorted(set(urls_a) & set(urls_b)):
            for who in ("anonymous", "regular", "superuser"):
                x, y = urls_a[url].get(who), urls_b[url].get(who)
                total += 1
                if x == y:
                    same += 1
                    continue
                lines = []
                if x["status"] != y["status"]:
                    lines.append(f"    status {x['status']} -> {y['status']}")
                hx, hy = dict(map(tuple, x["headers"])), dict(map(tuple, y["headers"]))
                for h in sorted(set(hx) | set(hy)):
                    if hx.get(h) == hy.get(h) or h == "content-length":
                        continue
                    if h.startswith("x-"):  # paging headers: per answer
                        lines.append(f"    header {h}: {hx.get(h)!r} -> {hy.get(h)!r}")
                    else:  # transport headers: summarized
                        headers[(h, hx.get(h), hy.get(h))].append(f"{url} as {who}")
                bx, by = x.get("text", x.get("base64", "")), y.get("text", y.get("base64", ""))
                if bx != by:
                    lines.append(f"    body {_first_difference(bx, by)}")
                    for kind, where, old, new in _body_changes(x, y):
                        changes[(path, kind, where)].append((f"{url} as {who}", old, new))
                if x["status"] != y["status"]:
                    changes[(path, "status", "")].append((f"{url} as {who}", x["status"], y["status"]))
                if lines:
                    diffs[path].append("\n".join([f"{url} as {who}:", *lines]))
    print(f"\n{same} of {total} answers (URL x persona, operations in both) byte-identical.")
    if headers:
        print("\nHeader changes (answers affected):")
        for (h, old, new), where in sorted(headers.items(), key=lambda kv: -len(kv[1])):
            personas = sorted({w.rsplit(" as ", 1)[1] for w in where})
            print(f"  {h}: {old!r} -> {new!r}: {len(where)} answers ({', '.join(personas)}), e.g. {where[0]}")
    print("\nBody and status changes by operation and JSON path (answers affected, an example):")
    for (path, kind, where), found in sorted(changes.items()):
        url, old, new = found[0]
        print(f"  {path}  {kind} {where}: {len(found)}, e.g. {url}: {str(old)[:80]!r} -> {str(new)[:80]!r}")
    print(f"\nStatus, paging header or body changes: {sum(map(len, diffs.values()))} answers "
          f"in {len(diffs)} operations")
    for path, items in diffs.items():
        print(f"\n== {path} ({len(items)} answers differ)")
        for item in items:
            print("  " + item)
    return 1 if same != total or only_a or only_b else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    r.add_argument("tree", type=Path)
    r.add_argument("out", type=Path)
    r.add_argument("--port", type=int, default=PORT)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    both = sub.add_parser("both")
    both.add_argument("tree_a", type=Path)
    both.add_argument("tree_b", type=Path)
    both.add_argument("dir", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "record":
        record(args.tree, args.out, args.port)
        return 0
    if args.cmd == "compare":
        return compare(args.a, args.b)
    args.dir.mkdir(parents=True, exist_ok=True)
    record(args.tree_a, args.dir / "a.json")
    record(args.tree_b, args.dir / "b.json")
    return compare(args.dir / "a.json", args.dir / "b.json")


if __name__ == "__main__":
    sys.exit(main())
