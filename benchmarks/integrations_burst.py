"""A burst of code review events against a real `storyline serve` (issue 14): 10,000 Gerrit events
(the webhooks plugin's POSTs, 3.x shapes) sent as fast as N clients can (threads of a process of their
own, as Gerrit sends from another machine), 5% of them delivered twice,
while one client keeps writing (a comment every 50 ms) and 8 more write as fast as they can (the
writes issue's "8 clients": each in turn a comment on one of its 50 stories and a status change of that
story's task, in the burst's projects, round its stories) to see what the burst does to the latency of
ordinary writes. (With one story each, as before 2026-12-08, each writer's story grew by thousands of
comments during a run, and on SQLite a comment's cost grows with its story's comments: the writers slowed
down as much from that as from the burst. `--writer-stories 1` does that again.)

    .venv/bin/python -m benchmarks.integrations_burst                    # SQLite, 10,000 events, 8 clients,
                                                                         # one API process per core (--workers)
    .venv/bin/python -m benchmarks.integrations_burst --db postgresql    # a throwaway PostgreSQL
    .venv/bin/python -m benchmarks.integrations_burst --events 2000      # a quick look
    .venv/bin/python -m benchmarks.integrations_burst --writers 0        # the burst and the probe alone
    .venv/bin/python -m benchmarks.integrations_burst --answers-only     # the answers alone, work left queued

Reports: errors (any answer but 200, or a delivery whose work failed), deliveries accepted and
deduplicated, acceptance throughput (answers per second) and latency, the time until every accepted
event's work was done (the outbox drained: end-to-end events per second), and the probe's write
latency before and during the burst, the 8 writers' latency (p50, p99, max; the writes issue's target
is p99 under 50 ms and nothing over 250 ms) alone for 10 s before the burst (after 3 s not counted), during it, and alone again for
10 s once every event's work is done (their stories have grown meanwhile: a comment every second write), and the CPU
time the server (and PostgreSQL) used for the burst, per event, with the share of the machine other
programs took meanwhile (a shared machine's load changes the times, not the CPU an event costs). With
writers, the server's CPU per event leaves out their writes, at the CPU per write measured while they
wrote alone (an estimate; `--writers 0` measures the burst alone). The figures go to
benchmarks/results/integrations-burst-<db>-<date>.json (`--out`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.client import Conn, Target
from benchmarks.floor import percentile
from benchmarks.machine import CpuMeter, _ours, _processes
from benchmarks.servers import OurServer
from storyline.outbox import EXTERNAL_KINDS

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "https://review.bench.example.org"
PROBE_INTERVAL = 0.05
WARMUP = 3.0  # seconds of the writers' writes before they are measured alone


def setup(target: Target, projects: int, stories: int) -> tuple[list[tuple[str, int]], list[int]]:
    """Projects named like repositories, stories with one task each: ([(repository, task id)], the
    projects' ids)."""
    conn = Conn(target)
    repos = []
    for i in range(projects):
        status, body = conn.request("POST", "/v1/projects", {"name": f"bench/repo{i}", "description": "Burst"})
        assert status == 200, body
        repos.append((f"bench/repo{i}", json.loads(body)["id"]))
    tasks = []
    for i in range(stories):
        status, body = conn.request("POST", "/v1/stories", {"title": f"Burst story {i}"})
        assert status == 200, body
        story_id = json.loads(body)["id"]
        repo, project_id = repos[i % projects]
        status, body = conn.request("POST", "/v1/tasks", {"title": f"Burst task {i}", "story_id": story_id,
                                                          "project_id": project_id})
        assert status == 200, body
        tasks.append((repo, json.loads(body)["id"]))
    conn.close()
    return tasks, [project_id for _, project_id in repos]


def events(tasks: list[tuple[str, int]], count: int, seed: int = 14) -> list[dict[str, Any]]:
    """Changes of five events each (upload, CI vote, review vote, second patch set, merge); half of
    the changes name a task in their commit message, as in a community where half the changes do."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    number = 100_000
    clock = 1_700_000_000
    while len(out) < count:
        number += 1
        repo, task_id = rng.choice(tasks)
        footer = f"\n\nTask: {task_id}\n" if rng.random() < 0.5 else "\n"
        change = {"project": repo, "branch": "master", "number": number, "subject": f"Change {number}",
                  "url": f"{ORIGIN}/c/{repo}/+/{number}", "status": "NEW",
                  "owner": {"username": "dev", "name": "Dev"}, "commitMessage": f"Change {number}{footer}Change-Id: I{number}"}
        for etype, ps, extra in (
                ("patchset-created", 1, {"uploader": {"username": "dev"}}),
                ("comment-added", 1, {"author": {"username": "zuul"}, "approvals": [{"type": "Verified", "value": 1}]}),
                ("comment-added", 1, {"author": {"username": "core"}, "approvals": [{"type": "Code-Review", "value": 2}]}),
                ("patchset-created", 2, {"uploader": {"username": "dev"}}),
                ("change-merged", 2, {"submitter": {"username": "core"}})):
            clock += 1
            c = dict(change, status="MERGED") if etype == "change-merged" else change
            out.append({"type": etype, "change": c, "patchSet": {"number": ps}, "project": repo,
                        "refName": "refs/heads/master", "eventCreatedOn": clock, **extra})
    return out[:count]


class Sender(threading.Thread):
    def __init__(self, target: Target, path: str, bodies: list[bytes]) -> None:
        super().__init__(daemon=True)
        self.target, self.path, self.bodies = target, path, bodies
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.errors: list[str] = []

    def run(self) -> None:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.target.port, timeout=120)
        headers = {"Content-Type": "application/json; charset=utf-8", "X-Origin-Url": ORIGIN}
        for body in self.bodies:
            started = time.perf_counter()
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.target.port, timeout=120)
                continue
            self.latencies.append(time.perf_counter() - started)
            if resp.status != 200:
                self.errors.append(f"{resp.status} {payload[:200]!r}")
                continue
            status = json.loads(payload)["status"]
            self.statuses[status] = self.statuses.get(status, 0) + 1
        conn.close()


def _senders_main(target: Target, path: str, shares: list[list[bytes]], ready: Any, go: Any, results: Any) -> None:
    """The burst's clients (one Sender thread each), in the process `Senders` starts."""
    senders = [Sender(target, path, share) for share in shares]
    ready.set()
    go.wait()
    for s in senders:
        s.start()
    for s in senders:
        s.join()
    results.put(([x for s in senders for x in s.latencies], [s.statuses for s in senders],
                 [e for s in senders for e in s.errors]))


class Senders:
    """The burst's `clients` clients in a process of their own, as Gerrit sends from another machine:
    threads beside the writers' in this process held their interpreter lock, and the writers'
    latencies then counted the time they waited for it to read an answer that had arrived."""

    def __init__(self, target: Target, path: str, bodies: list[bytes], clients: int) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        ready, self.go, self.results = ctx.Event(), ctx.Event(), ctx.Queue()
        self.proc = ctx.Process(target=_senders_main, daemon=True, args=(
            target, path, [bodies[i::clients] for i in range(clients)], ready, self.go, self.results))
        self.proc.start()
        if not ready.wait(120):
            raise RuntimeError("the senders' process did not start")
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.errors: list[str] = []

    def start(self) -> None:
        self.go.set()

    def join(self) -> None:
        self.latencies, statuses, self.errors = self.results.get()
        self.proc.join()
        for each in statuses:
            for k, v in each.items():
                self.statuses[k] = self.statuses.get(k, 0) + v


class Probe(threading.Thread):
    """One client writing a comment every PROBE_INTERVAL seconds; its latencies."""

    def __init__(self, target: Target, story_id: int) -> None:
        super().__init__(daemon=True)
        self.conn = Conn(target)
        self.story_id = story_id
        self.stopping = threading.Event()
        self.latencies: list[float] = []
        self.errors = 0

    def run(self) -> None:
        i = 0
        while not self.stopping.is_set():
            i += 1
            started = time.perf_counter()
            status, _ = self.conn.request("POST", f"/v1/stories/{self.story_id}/comments", {"content": f"Probe {i}"})
            self.latencies.append(time.perf_counter() - started)
            self.errors += status != 200
            self.stopping.wait(max(0.0, PROBE_INTERVAL - (time.perf_counter() - started)))

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.conn.close()


STATUSES = ("inprogress", "review", "todo")


class Writers:
    """N clients writing in a closed loop (the next request when the last one answered): client c
    writes a comment on one of its stories, then changes the status of that story's task, then the
    same on its next story, and so on round its stories."""

    def __init__(self, target: Target, mine: list[list[tuple[int, int]]]) -> None:
        self.target, self.mine = target, mine
        self.stopping = threading.Event()
        # kind -> [(when it was sent, seconds to the answer)]
        self.latencies: dict[str, list[tuple[float, float]]] = {"comment": [], "task_status": []}
        self.errors: list[str] = []
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    def _run(self, c: int) -> None:
        conn = Conn(self.target, timeout=120)
        mine: dict[str, list[tuple[float, float]]] = {"comment": [], "task_status": []}
        errors: list[str] = []
        i = 0
        while not self.stopping.is_set():
            i += 1
            story_id, task_id = self.mine[c][(i // 2) % len(self.mine[c])]
            if i % 2:
                kind, method, path, body = "comment", "POST", f"/v1/stories/{story_id}/comments", {
                    "content": f"Writer {c} comment {i}"}
            else:
                kind, method, path, body = "task_status", "PUT", f"/v1/tasks/{task_id}", {
                    "status": STATUSES[(i // 2) % len(STATUSES)]}
            started = time.perf_counter()
            try:
                status, payload = conn.request(method, path, body)
            except Exception as exc:  # noqa: BLE001 - counted as an error of the run
                errors.append(repr(exc))
                continue
            mine[kind].append((started, time.perf_counter() - started))
            if status != 200:
                errors.append(f"{kind} {status} {payload[:200]!r}")
        conn.close()
        with self.lock:
            for k, v in mine.items():
                self.latencies[k].extend(v)
            self.errors.extend(errors)

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._run, args=(c,), daemon=True) for c in range(len(self.mine))]
        for t in self.threads:
            t.start()

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join()

    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def summary(self, start: float, end: float) -> dict[str, Any]:
        """The writes sent between `start` and `end` (perf_counter)."""
        def within(values: list[tuple[float, float]]) -> list[float]:
            return [x for at, x in values if start <= at < end]

        every = [x for v in self.latencies.values() for x in within(v)]
        return {"clients": len(self.mine), "writes": len(every),
                "writes_per_second": round(len(every) / (end - start), 1), "errors": len(self.errors),
                "all": ms(every), **{k: ms(within(v)) for k, v in self.latencies.items()}}


def writers_by_themselves(target: Target, mine: list[list[tuple[int, int]]], server_roots: set[int], db_roots: set[int],
                          tick: int, warmup: float = 0.0) -> tuple[dict[str, Any], tuple[float, float]]:
    """The writers alone for 10 s (after `warmup` seconds of writes not counted: a new server's first
    writes prepare its statements and fill its pools): their latency summary with the CPU a write cost
    (server, PostgreSQL), and that CPU in seconds per write."""
    alone = Writers(target, mine)
    alone.start()
    time.sleep(warmup)
    procs = _processes()
    cpu0 = (_ours(procs, server_roots), _ours(procs, db_roots))
    meter = CpuMeter(server_roots | db_roots)
    meter.start()
    t0 = time.perf_counter()
    time.sleep(10)
    alone.stop()
    seconds = time.perf_counter() - t0
    others = meter.stop()
    procs = _processes()
    summary = alone.summary(t0, t0 + seconds)  # the writes sent in the window
    n = max(1, summary["writes"])
    per_write = ((_ours(procs, server_roots) - cpu0[0]) / tick / n, (_ours(procs, db_roots) - cpu0[1]) / tick / n)
    return dict(summary, server_cpu_ms_per_write=round(per_write[0] * 1000, 2),
                postgresql_cpu_ms_per_write=round(per_write[1] * 1000, 2), others_share_percent=others), per_write


def writer_stories(target: Target, projects: list[int], n: int, each: int) -> list[list[tuple[int, int]]]:
    """`each` stories with one task for each of `n` writers, the tasks in the burst's projects:
    [[(story, task)] of a writer]."""
    conn = Conn(target)
    out: list[list[tuple[int, int]]] = []
    for c in range(n):
        out.append([])
        for k in range(each):
            status, body = conn.request("POST", "/v1/stories", {"title": f"Writer {c} story {k}"})
            assert status == 200, body
            story_id = json.loads(body)["id"]
            status, body = conn.request("POST", "/v1/tasks", {"title": f"Writer {c} task {k}", "story_id": story_id,
                                                              "project_id": projects[(c + k) % len(projects)]})
            assert status == 200, body
            out[c].append((story_id, json.loads(body)["id"]))
    conn.close()
    return out


class Waits(threading.Thread):
    """PostgreSQL only: what the database's active sessions wait on, sampled every 20 ms between
    start() and stop() (pg_stat_activity): where the writers' time goes during the burst, lock waits
    (a row another transaction holds) apart from CPU and I/O. Counts per (wait, statement's start)."""

    def __init__(self, database_url: str) -> None:
        super().__init__(daemon=True)
        from sqlalchemy import create_engine

        self.engine = create_engine(database_url)
        self.counts: dict[tuple[str, str], int] = {}
        self.samples = 0
        self._done = threading.Event()

    def run(self) -> None:
        from sqlalchemy import text

        query = text("SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), left(regexp_replace(query, "
                     "'\\s+', ' ', 'g'), 90) || ' ... ' || right(regexp_replace(query, '\\s+', ' ', 'g'), 60) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() "
                     "AND backend_type = 'client backend'")
        with self.engine.connect() as conn:
            while not self._done.wait(0.02):
                self.samples += 1
                for wait, statement in conn.execute(query):
                    self.counts[(wait, statement)] = self.counts.get((wait, statement), 0) + 1
                conn.rollback()

    def stop(self) -> list[dict[str, Any]]:
        self._done.set()
        self.join()
        self.engine.dispose()
        top = sorted(self.counts.items(), key=lambda kv: -kv[1])[:15]
        return [{"wait": w, "statement": q, "sessions_per_sample": round(n / max(1, self.samples), 3)}
                for (w, q), n in top]


def ms(values: list[float]) -> dict[str, float]:
    s = sorted(values)
    if not s:
        return {}
    return {"n": len(s), "p50_ms": round(percentile(s, 50) * 1000, 1), "p95_ms": round(percentile(s, 95) * 1000, 1),
            "p99_ms": round(percentile(s, 99) * 1000, 1), "max_ms": round(s[-1] * 1000, 1)}


def outbox_state(database_url: str) -> tuple[int, int, list[str], dict[str, int]]:
    """(the local lane's rows queued: the deliveries' work and what it queued in turn, such as the inbox
    rows of the bot's comments; rows that failed at least once, their errors; rows queued by kind)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, attempts, last_error FROM outbox")).all()
    finally:
        engine.dispose()
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r[0]] = kinds.get(r[0], 0) + 1
    local = [r for r in rows if r[0] not in EXTERNAL_KINDS]
    failed = [r[2] or "" for r in local if r[1]]
    return len(local), len(failed), failed[:5], kinds


def delivery_counts(database_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM integration_deliveries")).scalar_one()
            failed = conn.execute(text("SELECT count(*) FROM integration_deliveries WHERE outcome LIKE 'failed%'"
                                       " OR handled_at IS NULL")).scalar_one()
            linked = conn.execute(text("SELECT count(*) FROM review_changes")).scalar_one()
            merged = conn.execute(text("SELECT count(*) FROM tasks WHERE status = 'merged'")).scalar_one()
    finally:
        engine.dispose()
    return {"deliveries": total, "unhandled_or_failed": failed, "linked_changes": linked, "merged_tasks": merged}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--stories", type=int, default=200)
    parser.add_argument("--writers", type=int, default=8,
                        help="clients writing as fast as they can (comments, task status) before and during the burst")
    parser.add_argument("--writer-stories", type=int, default=50,
                        help="stories each writer goes round (one: a story that grows by a comment every second "
                        "write, thousands in a run, whose comments then cost more: a story's growth, not the burst)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="API processes of `storyline serve` (--workers; default one per CPU core, as make bench "
                             "runs it and docs/deploy.md advises)")
    parser.add_argument("--waits", action="store_true",
                        help="PostgreSQL: sample what its sessions wait on during the burst (pg_stat_activity)")
    parser.add_argument("--background-lane", choices=("auto", "process", "thread"), default="auto",
                        help="where the code review events' work is done (setting background_lane)")
    parser.add_argument("--answers-only", action="store_true",
                        help="answer and queue the deliveries but leave their work undone (no lane takes it): "
                             "what answering a burst, the least a server must do for it, costs the writers")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    env = {"STORYLINE_BACKGROUND_LANE": args.background_lane}
    if args.answers_only:  # the background lane in a process of its own, and none started
        env.update(STORYLINE_BACKGROUND_LANE="process", STORYLINE_WORKER_IN_PROCESS="false")
    server = OurServer(db=args.db, workers=args.workers, env=env)
    target = server.start()
    try:
        tasks, project_ids = setup(target, projects=10, stories=args.stories)
        mine = writer_stories(target, project_ids, args.writers, args.writer_stories)
        url = server._run_cli("integrations", "add-gerrit", "bench", "--origin", ORIGIN, "--base-url", target.base_url)
        path = url.splitlines()[0][len(target.base_url):]
        stream = events(tasks, args.events)
        rng = random.Random(1)
        # 5% redelivered (the webhooks plugin's retries), at a random later place in the burst.
        bodies = [json.dumps(e).encode() for e in stream]
        for body in rng.sample(bodies, len(bodies) // 20):
            bodies.insert(rng.randrange(len(bodies)), body)
        status, body = Conn(target).request("POST", "/v1/stories", {"title": "Probe story"})
        probe_story = json.loads(body)["id"]

        baseline = Probe(target, probe_story)
        baseline.start()
        time.sleep(5)
        baseline.stop()

        server_roots = {server.proc.pid} if server.proc is not None else set()
        db_roots = set(server.pg.processes()[:1]) if server.pg is not None else set()
        tick = os.sysconf("SC_CLK_TCK")
        writers_alone: dict[str, Any] = {}
        cpu_per_write = (0.0, 0.0)
        if args.writers:
            writers_alone, cpu_per_write = writers_by_themselves(target, mine, server_roots, db_roots, tick,
                                                                 warmup=WARMUP)
            time.sleep(1)

        probe = Probe(target, probe_story)
        writers = Writers(target, mine)
        senders = Senders(target, path, bodies, args.clients)
        meter = CpuMeter(server_roots | db_roots)
        procs = _processes()
        cpu_before = (_ours(procs, server_roots), _ours(procs, db_roots))
        waits = Waits(server.database_url) if args.waits and args.db == "postgresql" else None
        if waits is not None:
            waits.start()
        meter.start()
        load_before = os.getloadavg()[0]
        probe.start()
        if args.writers:
            writers.start()
        started = time.perf_counter()
        senders.start()
        senders.join()
        answered = time.perf_counter() - started
        burst_waits = waits.stop() if waits is not None else None
        while True:
            queued, failed_rows, failed_errors, left = outbox_state(server.database_url)
            if queued == failed_rows or args.answers_only or time.perf_counter() - started > 1800:
                break
            time.sleep(0.2)
        drained = time.perf_counter() - started
        if args.writers:
            writers.stop()
        others = meter.stop()
        procs = _processes()
        server_cpu = (_ours(procs, server_roots) - cpu_before[0]) / tick
        db_cpu = (_ours(procs, db_roots) - cpu_before[1]) / tick
        load_after = os.getloadavg()[0]
        probe.stop()
        # The writers' share of that CPU, at what a write cost while they wrote alone (an estimate).
        writes = writers.count()
        raw_cpu = (server_cpu, db_cpu)
        server_cpu -= writes * cpu_per_write[0]
        db_cpu -= writes * cpu_per_write[1]

        # The writers alone again, their stories now as long as the run made them (each writer's story
        # has a comment for every second write): what the burst did, apart from what the growth did.
        writers_after = writers_by_themselves(target, mine, server_roots, db_roots, tick)[0] if args.writers else {}

        statuses = senders.statuses
        errors = senders.errors + writers.errors
        counts = delivery_counts(server.database_url)
        result = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "db": args.db, "mode": server.mode, "background_lane": args.background_lane, "clients": args.clients,
            # --answers-only: the work queued, not done ("all done" is then when the answers were)
            "answers_only": args.answers_only,
            "events": len(stream), "requests": len(bodies), "answers": statuses,
            "errors": len(errors) + failed_rows + probe.errors + baseline.errors, "error_samples": (errors + failed_errors)[:5],
            "answer_seconds": round(answered, 2), "answers_per_second": round(len(bodies) / answered, 1),
            "answer_latency": ms(senders.latencies),
            "all_done_seconds": round(drained, 2), "events_per_second_end_to_end": round(len(stream) / drained, 1),
            # the outbox then, by kind: e-mails not sent (no mail server in the benchmark), parked rows
            "outbox_left_when_done": left,
            "database": counts,
            "cpu": {"server_seconds": round(server_cpu, 1), "postgresql_seconds": round(db_cpu, 1),
                    "server_ms_per_event": round(server_cpu / len(stream) * 1000, 2),
                    "postgresql_ms_per_event": round(db_cpu / len(stream) * 1000, 2),
                    "others_share_percent": others,
                    "writers_cpu_left_out": bool(args.writers),
                    "with_writers_server_seconds": round(raw_cpu[0], 1),
                    "with_writers_postgresql_seconds": round(raw_cpu[1], 1),
                    "load_average": [round(load_before, 1), round(load_after, 1)]},
            "write_probe_before": ms(baseline.latencies), "write_probe_during": ms(probe.latencies),
            "writers_alone": writers_alone,
            # While the deliveries were being answered (the burst), and afterwards until their work was done.
            "writers_during_burst": writers.summary(started, started + answered) if args.writers else {},
            "writers_while_draining": (writers.summary(started + answered, started + drained)
                                       if args.writers and drained > answered + 1 else {}),
            "writers_after": writers_after,
        }
        if burst_waits is not None:
            result["postgresql_waits_during_burst"] = burst_waits
    finally:
        server.stop()
    text = json.dumps(result, indent=2)
    print(text)
    out = args.out or ROOT / "benchmarks" / "results" / f"integrations-burst-{args.db}-{dt.date.today().isoformat()}.json"
    out.write_text(text + "\n")
    print(f"written to {out}", file=sys.stderr)
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
