"""Where the integration's time goes (issue 14): SQL statements and CPU per event on the receive path
(the webhook endpoint: verify, deduplicate, queue) and on the processing path (the outbox's local lane
doing each event's work), in one process, on SQLite or a throwaway PostgreSQL.

    .venv/bin/python -m benchmarks.integrations_profile                        # SQLite, 2,000 events
    .venv/bin/python -m benchmarks.integrations_profile --db postgresql --events 1000
    .venv/bin/python -m benchmarks.integrations_profile --profile 25           # + cProfile, top 25 functions

The events are the burst benchmark's (benchmarks/integrations_burst.py: changes of five events, half
naming a task, 5% delivered twice). Statements are counted with an SQLAlchemy `before_cursor_execute`
listener on the application's engine, per phase, and grouped by their first words (the top ones are
printed, with the mean time in the driver's execute); CPU time (the process's, the database's own
work included on SQLite) per request and per event; the application is a real `create_app` driven through Starlette's TestClient, the outbox
delivered with `outbox.deliver` as the server's thread does.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import pstats
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.integrations_burst import ORIGIN, events

ROOT = Path(__file__).resolve().parent.parent


class Counter:
    """Statements run on an engine, by phase and by shape (the first words, literals elided)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.phase = "setup"
        self.counts: collections.Counter[str] = collections.Counter()
        self.shapes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self.full: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        # Seconds in the driver's execute, by phase and shape (the database's work and its round trip).
        self.seconds: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        self._started = 0.0
        self._head = ""
        event.listen(engine, "before_cursor_execute", self._seen)
        event.listen(engine, "after_cursor_execute", self._done)

    def _done(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        self.seconds[self.phase][self._head] += time.perf_counter() - self._started

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        self.counts[self.phase] += 1
        shape = re.sub(r"\s+", " ", statement).strip()
        words = shape.split(" ")
        head = " ".join(words[:2])
        for marker in ("FROM", "INTO", "UPDATE"):
            if marker in words:
                i = words.index(marker)
                head = f"{words[0]} {marker} {words[i + 1] if i + 1 < len(words) else ''}"
                break
        self.shapes[self.phase][head[:80]] += 1
        self.full[self.phase][shape[:400]] += 1
        self._head = head[:80]
        self._started = time.perf_counter()


def drain(app: Any, counter: Counter) -> tuple[float, int]:
    from sqlalchemy import func, select

    from storyline import outbox
    from storyline.outbox import OutboxRow

    started = time.perf_counter()
    passes = 0
    while True:
        passes += 1
        for lane in outbox.DRAIN_ORDER:  # the code review work is the background lane's
            outbox.deliver(app.state.write_sessions, lane=lane)
        phase, counter.phase = counter.phase, "check"
        with app.state.read_sessions() as session:
            left = session.execute(select(func.count()).select_from(OutboxRow)
                                   .where(OutboxRow.kind.notin_(outbox.EXTERNAL_KINDS),
                                          OutboxRow.attempts == 0)).scalar_one()
        counter.phase = phase
        if not left:
            return time.perf_counter() - started, passes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--stories", type=int, default=200)
    parser.add_argument("--http", action="store_true",
                        help="receive through the HTTP endpoint (Starlette's TestClient; its threads are not profiled)")
    parser.add_argument("--statements", action="store_true", help="print every distinct statement with its count")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N functions of each phase")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "tests"))
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select, text

    from storyline.app import create_app
    from storyline.config import Settings
    from storyline.db import session_scope
    from storyline.integrations import receive
    from storyline.integrations.events import gerrit as gerrit_event
    from storyline.integrations.events import loads
    from storyline.integrations.models import IntegrationDelivery
    from storyline.integrations.sources import authenticate, do_create_source, hook_path
    from storyline.migrate import upgrade
    from storyline.outbox import OutboxRow
    from storyline.users import service as users_service
    from storyline.users.tokens import create_token

    pg = None
    workdir = tempfile.mkdtemp(prefix="storyline-iprof-")
    if args.db == "sqlite":
        url = f"sqlite:///{workdir}/storyline.db"
    else:
        from pgserver import PostgresServer  # type: ignore[import-not-found]

        pg = PostgresServer().start()
        url = pg.create_database("storyline_iprof")
    try:
        upgrade(url)
        app = create_app(Settings(database_url=url, worker_in_process=False))
        client = TestClient(app, raise_server_exceptions=True)  # no lifespan: no outbox thread, we deliver
        app.state.health.start()  # the lifespan's database watcher (PostgreSQL: requests answer 503 without it)
        with session_scope(app.state.write_sessions) as session:
            user = users_service.do_create_user(session, {"full_name": "Bench", "email": "bench@example.org",
                                                          "is_superuser": True})
            _, token = create_token(session, user.id, 3600)
        headers = {"Authorization": f"Bearer {token}"}
        repos = []
        for i in range(10):
            r = client.post("/v1/projects", json={"name": f"bench/repo{i}", "description": "Burst"}, headers=headers)
            repos.append((f"bench/repo{i}", r.json()["id"]))
        tasks = []
        for i in range(args.stories):
            story_id = client.post("/v1/stories", json={"title": f"Burst story {i}"}, headers=headers).json()["id"]
            repo, project_id = repos[i % len(repos)]
            task = client.post("/v1/tasks", json={"title": f"Burst task {i}", "story_id": story_id,
                                                  "project_id": project_id}, headers=headers).json()
            tasks.append((repo, task["id"]))
        with session_scope(app.state.write_sessions) as session:
            source, secret = do_create_source(session, "gerrit", "bench", origin=ORIGIN)
            path = hook_path("gerrit", "bench", secret)
        from storyline import outbox

        for lane in outbox.DRAIN_ORDER:  # the setup's own outbox rows
            outbox.deliver(app.state.write_sessions, batch=10_000, lane=lane)

        stream = events(tasks, args.events)
        bodies = [json.dumps(e).encode() for e in stream]
        rng = random.Random(1)
        for body in rng.sample(bodies, len(bodies) // 20):
            bodies.insert(rng.randrange(len(bodies)), body)
        counter = Counter(app.state.engine)
        hook_headers = {"Content-Type": "application/json; charset=utf-8", "X-Origin-Url": ORIGIN}

        counter.phase = "receive"
        prof = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        cpu_started = time.process_time()
        if prof:
            prof.enable()
        statuses: collections.Counter[str] = collections.Counter()
        for body in bodies:
            if args.http:
                r = client.post(path, content=body, headers=hook_headers)
                assert r.status_code == 200, r.text
                statuses[r.json()["status"]] += 1
                continue
            # What the endpoint does (preview/integrations.py gerrit_hook), without the HTTP layer.
            with session_scope(app.state.write_sessions) as session:
                src = authenticate(session, "gerrit", "bench", secret=secret, origin=ORIGIN)
                event, key = gerrit_event(loads(body), body)
                statuses[receive.accept(session, src, key, event)] += 1
        if prof:
            prof.disable()
        received = time.perf_counter() - started
        received_cpu = time.process_time() - cpu_started
        with session_scope(app.state.read_sessions) as session:
            queued = session.execute(select(func.count()).select_from(OutboxRow)).scalar_one()

        counter.phase = "process"
        prof2 = cProfile.Profile() if args.profile else None
        if prof2:
            prof2.enable()
        cpu_started = time.process_time()
        processed, passes = drain(app, counter)
        processed_cpu = time.process_time() - cpu_started
        if prof2:
            prof2.disable()
        with session_scope(app.state.read_sessions) as session:
            failed = session.execute(select(func.count()).select_from(OutboxRow)
                                     .where(OutboxRow.attempts > 0)).scalar_one()
            unhandled = session.execute(select(func.count()).select_from(IntegrationDelivery)
                                        .where(IntegrationDelivery.handled_at.is_(None))).scalar_one()
            merged = session.execute(text("SELECT count(*) FROM tasks WHERE status = 'merged'")).scalar_one()
            changes = session.execute(text("SELECT count(*) FROM review_changes")).scalar_one()
        n_req = len(bodies)
        report = {
            "db": args.db, "events": len(stream), "requests": n_req, "answers": dict(statuses),
            "queued_outbox_rows": queued, "failed_rows": failed, "unhandled_deliveries": unhandled,
            "merged_tasks": merged, "linked_changes": changes,
            "receive": {"seconds": round(received, 2), "ms_per_request": round(received / n_req * 1000, 2),
                        "cpu_ms_per_request": round(received_cpu / n_req * 1000, 3),
                        "statements": counter.counts["receive"],
                        "statements_per_request": round(counter.counts["receive"] / n_req, 2)},
            "process": {"seconds": round(processed, 2), "events_per_second": round(len(stream) / processed, 1),
                        "cpu_ms_per_event": round(processed_cpu / len(stream) * 1000, 3),
                        "cpu_ms_per_queued_event": round(processed_cpu / max(1, queued) * 1000, 3),
                        "deliver_calls": passes, "statements": counter.counts["process"],
                        "statements_per_event": round(counter.counts["process"] / len(stream), 2)},
        }
        print(json.dumps(report, indent=2))
        for phase in ("receive", "process"):
            print(f"\n{phase}: statements by shape (per event)")
            for shape, n in counter.shapes[phase].most_common(25):
                spent = counter.seconds[phase][shape] / n * 1e6
                print(f"  {n / len(stream):7.2f}  {spent:7.0f} µs  {shape}")
        if args.statements:
            for phase in ("receive", "process"):
                print(f"\n{phase}: every statement (per event)")
                for shape, n in counter.full[phase].most_common():
                    print(f"  {n / len(stream):7.3f}  {shape}")
        for name, p in (("receive", prof), ("process", prof2)):
            if p is not None:
                out = io.StringIO()
                pstats.Stats(p, stream=out).sort_stats("cumulative").print_stats(args.profile)
                print(f"\n==== cProfile {name} (cumulative) ====\n{out.getvalue()}")
                out = io.StringIO()
                pstats.Stats(p, stream=out).sort_stats("tottime").print_stats(args.profile)
                print(f"\n==== cProfile {name} (own time) ====\n{out.getvalue()}")
        app.state.health.stop()
        app.state.engine.dispose()
    finally:
        if pg is not None:
            pg.stop()
    return 0 if not failed and not unhandled else 1


if __name__ == "__main__":
    sys.exit(main())
