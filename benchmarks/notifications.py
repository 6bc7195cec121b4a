"""Notification e-mail: what it costs a write, and how fast the mail goes out.

A real `storyline serve` (SQLite or PostgreSQL, worker in process) mails through a real SMTP server
on loopback (aiosmtpd in a process of its own, counting what it accepts). Story A has no follower;
story B has `--followers` followers, each wanting one e-mail per change. The benchmark sends
`--comments` comments to each story, alternately, one at a time, and reports:

- the latency of a comment on A and on B (a write never waits for delivery: B's should be A's);
- the time from B's first comment until the SMTP server accepted all `comments x followers`
  e-mails, and so the delivery throughput (e-mails per second).

    .venv/bin/python -m benchmarks.notifications [--db sqlite|postgresql] [--followers 1000] [--comments 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.client import Conn
from benchmarks.servers import LOOPBACK, OurServer, free_port
from benchmarks.writes import _ok

SINK = r"""
import asyncio, sys
from aiosmtpd.controller import Controller
count = 0
class Counter:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += len(envelope.rcpt_tos)
        return "250 OK"
c = Controller(Counter(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
for line in sys.stdin:  # each line asks for the count
    print(count, flush=True)
"""


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-c", SINK, str(self.port)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def count(self) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("?\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def run(db: str, followers: int, comments: int) -> dict[str, Any]:
    sink = Sink()
    server = OurServer(db, env={"STORYLINE_SMTP_HOST": LOOPBACK, "STORYLINE_SMTP_PORT": str(sink.port),
                                "STORYLINE_BASE_URL": "https://bench.example"})
    try:
        target = server.start()
        conn = Conn(target)
        project = _ok(conn, "POST", "/v1/projects", {"name": f"bench-mail-{int(time.time())}", "description": "x"})
        stories = {}
        for name in ("A", "B"):
            story = _ok(conn, "POST", "/v1/stories", {"title": f"Story {name}"})
            _ok(conn, "POST", "/v1/tasks", {"title": "A task", "story_id": story["id"], "project_id": project["id"]})
            stories[name] = story["id"]
        started = time.monotonic()
        for n in range(followers):
            user = _ok(conn, "POST", "/v1/users", {"full_name": f"Follower {n}", "email": f"f{n}@bench.example"})
            _ok(conn, "POST", "/v1/subscriptions", {"target_type": "story", "target_id": stories["B"],
                                                     "user_id": user["id"]})
        setup = time.monotonic() - started
        latencies: dict[str, list[float]] = {"A": [], "B": []}
        first_b = None
        for n in range(comments):
            for name in ("A", "B"):
                t0 = time.perf_counter()
                _ok(conn, "POST", f"/v1/stories/{stories[name]}/comments", {"content": f"comment {n}"})
                latencies[name].append((time.perf_counter() - t0) * 1000)
                if name == "B" and first_b is None:
                    first_b = time.monotonic()
        expected = followers * comments
        assert first_b is not None
        while sink.count() < expected:
            if time.monotonic() - first_b > 900:
                raise RuntimeError(f"only {sink.count()} of {expected} e-mails after 900 s")
            time.sleep(0.1)
        delivered = time.monotonic() - first_b
        conn.close()
    finally:
        server.stop()
        sink.stop()

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {"median_ms": round(statistics.median(ordered), 1),
                "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
                "max_ms": round(ordered[-1], 1)}

    return {"db": db, "followers": followers, "comments": comments, "setup_seconds": round(setup, 1),
            "comment_no_follower": summary(latencies["A"]),
            f"comment_{followers}_followers": summary(latencies["B"]),
            "emails": expected, "delivery_seconds": round(delivered, 1),
            "emails_per_second": round(expected / delivered, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.db, args.followers, args.comments)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
