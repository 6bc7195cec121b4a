"""Live updates for a list's query (issue 15, /preview/live?query=): what 50 query streams cost the server
per event, and how soon a new matching story reaches a browser on an instance of 300 projects.

For each engine: a real `storyline serve` (one process) over a new database with 300 projects and 600
stories (tasks spread over the projects, 20 tags, some assigned to Bob). Then:

1. **Baseline**: `--writes` comments on random stories, one after the other, no stream open: the server's
   CPU time (the process and its children; PostgreSQL's apart) per write.
2. **50 query streams** open (Bob and Ada, 34 distinct (query, reader) groups: `is:open` x10, `tag:tK
   is:open` x10, `project:wide-K` x10, `assignee:@me is:open` x10 (two readers), a word of the titles x10):
   the same writes; the CPU per write again (the difference is what matching the queries costs), the
   notices received and the write-answer-to-notice latency of the streams that matched.
3. **Burst**: `--burst` writes by 4 clients at once with the streams open: answers' latency, notice
   latency (the hub rests in proportion to its batches' time, so a burst is taken in larger batches),
   CPU per write.
4. **Browser**: Bob's Stories page (`is:open`) open (its stream names the query: 300 projects do not
   fit); `--arrivals` new stories, each with a task in a project beyond the first 100: the write's answer
   to the row showing (MutationObserver, as tests/e2e).

    .venv/bin/python -m benchmarks.live_query [--engines sqlite,postgresql] [--writes 300] [--burst 400]

The web client must be built (`make web`). Figures are printed as JSON lines (one per engine).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "e2e")]

PROJECTS, STORIES, TAGS = 300, 600, 20


def _ms(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ms = sorted(v * 1000 for v in values)
    return {"median_ms": round(statistics.median(ms), 1), "p90_ms": round(ms[max(0, int(len(ms) * 0.9) - 1)], 1),
            "p99_ms": round(ms[max(0, int(len(ms) * 0.99) - 1)], 1), "max_ms": round(ms[-1], 1), "n": len(ms)}


def _cpu(roots: list[psutil.Process]) -> float:
    total = 0.0
    for root in roots:
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
    return total


def _server_process(port: int) -> psutil.Process:
    for p in psutil.process_iter(["cmdline"]):
        cmd = p.info.get("cmdline") or []
        if "serve" in cmd and str(port) in cmd:
            return p
    raise LookupError(f"no storyline serve on port {port}")


class QueryStream:
    """A plain SSE client on a query: when each change notice arrived (time.time())."""

    def __init__(self, base: str, token: str, query: str) -> None:
        self.arrived: dict[int, float] = {}
        self.ready = threading.Event()
        self.status: int | None = None
        self.client = httpx.Client(base_url=base, timeout=httpx.Timeout(30, read=None),
                                   headers={"Authorization": f"Bearer {token}"})
        self.thread = threading.Thread(target=self._run, args=(query,), daemon=True)
        self.thread.start()

    def _run(self, query: str) -> None:
        try:
            with self.client.stream("GET", "/preview/live", params={"query": query}) as r:
                self.status = r.status_code
                for line in r.iter_lines():
                    if line.startswith("event: ready"):
                        self.ready.set()
                    elif line.startswith("data: ") and '"type"' in line:
                        self.arrived.setdefault(json.loads(line[6:])["id"], time.time())
        except (httpx.HTTPError, OSError, RuntimeError):
            pass
        finally:
            self.ready.set()

    def close(self) -> None:
        self.client.close()


def _seed(world: Any) -> dict[str, Any]:
    ada = world.api()
    projects = [ada.post("/projects", {"name": f"wide-{i:03d}"})["id"] for i in range(PROJECTS)]
    stories = []
    for i in range(STORIES):
        s = ada.post("/stories", {"title": f"Seeded story {i} word{i % 10}"})
        t = ada.post("/tasks", {"title": f"Task {i}", "story_id": s["id"], "project_id": projects[i % PROJECTS]})
        if i % 7 == 0:
            ada.call("PUT", f"/tasks/{t['id']}", json={"assignee_id": world.bob["id"]})
        ada.call("PUT", f"/stories/{s['id']}/tags", params={"tags": f"t{i % TAGS}"})
        stories.append(s["id"])
    return {"projects": projects, "stories": stories}


def _queries() -> list[tuple[str, str]]:
    """50 (reader, query): 34 distinct (query, reader) groups."""
    out = [("bob", "is:open")] * 10
    out += [("bob", f"tag:t{k} is:open") for k in range(10)]
    out += [("bob", f"project:wide-{k * 29:03d}") for k in range(10)]
    out += [("bob" if k % 2 else "ada", "assignee:@me is:open") for k in range(10)]
    out += [("ada", f"word{k}") for k in range(10)]
    return out


def _writes(world: Any, stories: list[int], n: int, clients: int = 1) -> tuple[dict[int, float], list[float]]:
    """n comments on random stories by `clients` at once: {event id: answer time}, answer latencies."""
    answered: dict[int, float] = {}
    latencies: list[float] = []
    lock = threading.Lock()
    rng = random.Random(n * 31 + clients)

    def run(count: int) -> None:
        api = world.api()
        for _ in range(count):
            sid = rng.choice(stories)
            started = time.time()
            event = api.post(f"/stories/{sid}/comments", {"content": "a comment for the live query benchmark"})
            done = time.time()
            with lock:
                answered[event["id"]] = done
                latencies.append(done - started)

    threads = [threading.Thread(target=run, args=(n // clients,)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answered, latencies


def run_engine(engine: str, writes: int, burst: int, arrivals: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright
    from webworld import CHROMIUM, CHROMIUM_ARGS, WATCH, new_context, serve

    pg = None
    env = {"STORYLINE_WORKERS": "1", "STORYLINE_ACCESS_LOG": "false", "STORYLINE_LIVE_MAX_STREAMS_PER_USER": "100"}
    if engine == "postgresql":
        from pgserver import PostgresServer

        pg = PostgresServer().start()
        env["STORYLINE_DATABASE_URL"] = pg.create_database("live_query_bench")
    try:
        with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp), env) as world:
            seeded = _seed(world)
            server = _server_process(int(world.base.rsplit(":", 1)[1]))
            db_roots = [psutil.Process(p) for p in pg.processes()[:1]] if pg is not None else []
            stories = seeded["stories"]
            time.sleep(2)
            result: dict[str, Any] = {"engine": engine, "projects": PROJECTS, "stories": STORIES}

            def measured(n: int, clients: int = 1) -> tuple[dict[int, float], list[float], float, float]:
                cpu0, db0 = _cpu([server]), _cpu(db_roots)
                answered, latencies = _writes(world, stories, n, clients)
                time.sleep(1.5)  # the notices of the last writes
                return answered, latencies, (_cpu([server]) - cpu0) / n, (_cpu(db_roots) - db0) / n

            _, lat, cpu, db = measured(writes)
            result["baseline"] = {"writes": writes, "server_cpu_ms_per_write": round(cpu * 1000, 2),
                                  "postgresql_cpu_ms_per_write": round(db * 1000, 2) if db_roots else None,
                                  "answers": _ms(lat)}
            tokens = {"bob": world.bob_token, "ada": world.admin_token}
            streams = [QueryStream(world.base, tokens[who], q) for who, q in _queries()]
            for s in streams:
                s.ready.wait(20)
            assert all(s.status == 200 for s in streams), [s.status for s in streams]
            time.sleep(1)
            for phase, n, clients in (("streams_50", writes, 1), ("burst", burst, 4)):
                before = {id(s): len(s.arrived) for s in streams}
                answered, lat, cpu, db = measured(n, clients)
                notice = [s.arrived[eid] - at for s in streams for eid, at in answered.items() if eid in s.arrived]
                result[phase] = {"writes": n, "clients": clients, "server_cpu_ms_per_write": round(cpu * 1000, 2),
                                 "postgresql_cpu_ms_per_write": round(db * 1000, 2) if db_roots else None,
                                 "answers": _ms(lat), "notices": sum(len(s.arrived) - before[id(s)] for s in streams),
                                 "write_answer_to_notice": _ms(notice)}
            result["query_cost_server_cpu_ms_per_write"] = round(
                result["streams_50"]["server_cpu_ms_per_write"] - result["baseline"]["server_cpu_ms_per_write"], 2)
            # The browser: Bob's Stories list (is:open), new stories with a task beyond the first 100 projects.
            ada = world.api()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = new_context(browser, world, world.bob_token)
                page = context.new_page()
                with page.expect_response(lambda r: "/preview/live?" in r.url and "query=" in r.url and r.status == 200,
                                          timeout=30_000):
                    page.goto(f"/stories?q={quote('is:open')}")
                page.locator("table.stories tbody tr").first.wait_for()
                page.wait_for_timeout(1000)
                page.evaluate(WATCH)
                shown: list[float] = []
                for i in range(arrivals):
                    title = f"Benchmark arrival {i} {time.time():.4f}"
                    page.evaluate("t => window.__watch.push(t)", title)
                    s = ada.post("/stories", {"title": title})
                    written = time.time()
                    ada.post("/tasks", {"title": "far", "story_id": s["id"],
                                        "project_id": seeded["projects"][100 + (i * 7) % 200]})
                    try:
                        page.wait_for_function("t => window.__seen[t] !== undefined", arg=title, timeout=10_000)
                        shown.append(page.evaluate("t => window.__seen[t]", title) / 1000 - written)
                    except Exception:  # noqa: BLE001 - counted as missing
                        pass
                    page.wait_for_timeout(500)
                browser.close()
            result["browser_write_answer_to_row"] = _ms(shown)
            result["browser_missing"] = arrivals - len(shown)
            for s in streams:
                s.close()
            return result
    finally:
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--writes", type=int, default=300)
    parser.add_argument("--burst", type=int, default=400)
    parser.add_argument("--arrivals", type=int, default=10)
    args = parser.parse_args()
    for engine in args.engines.split(","):
        print(json.dumps(run_engine(engine, args.writes, args.burst, args.arrivals)), flush=True)


if __name__ == "__main__":
    main()
