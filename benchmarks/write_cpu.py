"""CPU per write: the server process's own CPU time per request of each write kind, one client.

A shared machine makes throughput and latency noisy; the CPU time a server process spends on a
request is not (other programs do not add to it). On SQLite writes are serialized, so the CPU a
write spends is what bounds its throughput. This starts a real `storyline serve` (one process, a
fresh SQLite file or a throwaway PostgreSQL), creates a few stories, then sends the write cells of
`benchmarks/writes.py` one request at a time and reads the server's utime + stime (all its threads,
the outbox delivery included) from /proc before and after each cell.

    .venv/bin/python -m benchmarks.write_cpu [--requests 300] [--db sqlite] [--rounds 3]

Prints, per write kind, the best of `--rounds` rounds of ms of server CPU per request (and the
median wall time per request as the client saw it); `--json PATH` writes them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

from benchmarks.client import Conn, Target
from benchmarks.servers import OurServer
from benchmarks.writes import WRITE_KINDS, WriteBench, _ok

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (every thread), in seconds."""
    with open(f"/proc/{pid}/stat") as fh:
        data = fh.read()
    fields = data[data.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def setup(target: Target, stories: int) -> tuple[list[int], int]:
    conn = Conn(target)
    try:
        project = _ok(conn, "POST", "/v1/projects", {"name": f"cpu-{time.time_ns()}", "description": "write cpu"})
        ids = []
        for n in range(stories):
            sid = _ok(conn, "POST", "/v1/stories", {"title": f"cpu story {n}", "description": "a story"})["id"]
            _ok(conn, "POST", "/v1/tasks", {"title": f"cpu task {n}", "story_id": sid, "project_id": project["id"]})
            if n % 3 == 0:
                _ok(conn, "POST", f"/v1/stories/{sid}/comments", {"content": f"first comment {n}"})
            ids.append(sid)
        return ids, project["id"]
    finally:
        conn.close()


def measure(server: OurServer, target: Target, requests: int, rounds: int, stories: int) -> dict[str, Any]:
    assert server.proc is not None
    pid = server.proc.pid
    ids, project_id = setup(target, stories)
    out: dict[str, dict[str, list[float]]] = {k: {"cpu_ms": [], "p50_ms": []} for k in WRITE_KINDS}
    for r in range(rounds):
        bench = WriteBench(target, ids, project_id, f"cpu{r}-{time.time_ns()}")
        for kind in WRITE_KINDS:
            time.sleep(0.3)  # the outbox thread's work of the previous cell is done
            before = cpu_seconds(pid)
            run = bench.cell(kind, 1, requests)
            time.sleep(0.3)  # this cell's outbox deliveries count as its cost
            after = cpu_seconds(pid)
            errors = run.failures()
            if errors:
                raise RuntimeError(f"{kind}: {errors}")
            # The two sleeps cost the idle threads a little: measured below and taken off.
            out[kind]["cpu_ms"].append((after - before) * 1000 / len(run.answers))
            out[kind]["p50_ms"].append(run.summary()["p50_ms"])
    idle_before = cpu_seconds(pid)
    time.sleep(3)
    idle = (cpu_seconds(pid) - idle_before) / 3 * 0.6 * 1000  # ms of idle CPU in the cell's 0.6 s of sleep
    return {kind: {"cpu_ms": round(max(0.0, min(v["cpu_ms"]) - idle / requests), 2),
                   "cpu_ms_rounds": [round(x, 2) for x in v["cpu_ms"]],
                   "p50_ms": min(v["p50_ms"])}
            for kind, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=300, help="requests per write kind and round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds; the best one is reported")
    ap.add_argument("--stories", type=int, default=60, help="stories created first (the writes' targets)")
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    server = OurServer(db=args.db)
    try:
        target = server.start()
        result = measure(server, target, args.requests, args.rounds, args.stories)
    finally:
        server.stop()
    print(f"{'write':<17}{'cpu ms':>8}{'p50 ms':>8}   rounds (cpu ms)")
    for kind, v in result.items():
        print(f"{kind:<17}{v['cpu_ms']:>8.2f}{v['p50_ms']:>8.1f}   {v['cpu_ms_rounds']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"db": args.db, "requests": args.requests, "rounds": args.rounds, "kinds": result,
                       "median_cpu_ms": statistics.median(v["cpu_ms"] for v in result.values())}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
