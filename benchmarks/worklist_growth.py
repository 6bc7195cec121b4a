"""What a card costs as a worklist grows: a real `storyline serve` (SQLite, or PostgreSQL started by
tests/pgserver.py), one worklist, and rounds of adds at 1 and 8 clients (each put at list_position
i % 10, as make bench's "worklist item"), so the list grows by `--adds` cards a round; then card moves
between two lanes at position 0 (as make bench's "move card"). Prints, per round, the throughput,
p50 / p99 / max, and the CPU per request of the server's processes and of PostgreSQL (from /proc).

Card positions are sparse (planning/worklist_service.py, `place`): an add or a move writes one card,
so a round costs the same on a list of 200 cards or 2,000. Until 2026-12-10 the list was re-packed to
0..n-1, and every card after the one placed was rewritten.

    .venv/bin/python -m benchmarks.worklist_growth                          # SQLite, 1 process
    .venv/bin/python -m benchmarks.worklist_growth --db postgresql --workers 2 --out results.json
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.client import Conn, Target, TransportError
from benchmarks.servers import OurServer


def _ok(conn: Conn, method: str, path: str, body: Any = None) -> Any:
    status, payload = conn.request(method, path, body)
    if status not in (200, 201):
        raise RuntimeError(f"{method} {path}: {status} {payload[:300]!r}")
    return json.loads(payload) if payload else None


def _cpu_ticks(server_pids: set[int]) -> dict[str, int]:
    """CPU ticks so far of the server's processes (and their children) and of PostgreSQL's."""
    out = {"server": 0, "postgresql": 0}
    parents: dict[int, int] = {}
    ticks: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = (comm, int(fields[11]) + int(fields[12]))
    for pid, (comm, t) in ticks.items():
        p, ours = pid, False
        while p > 1 and not ours:
            ours, p = p in server_pids, parents.get(p, 0)
        if ours:
            out["server"] += t
        elif comm.startswith("postgres"):
            out["postgresql"] += t
    return out


def _round(target: Target, server_pids: set[int], clients: int, per: int,
           make: Any) -> dict[str, Any]:
    latencies: list[float] = []
    failures: list[Exception] = []
    lock = threading.Lock()

    def client(c: int) -> None:
        conn = Conn(target)
        try:
            for i in range(per):
                method, path, body = make(c, i)
                started = time.perf_counter()
                _ok(conn, method, path, body)
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
        except (RuntimeError, TransportError, StopIteration) as e:  # the round's figures would be wrong: it fails
            failures.append(e)
        finally:
            conn.close()

    before = _cpu_ticks(server_pids)
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    after = _cpu_ticks(server_pids)
    if failures:
        raise RuntimeError(f"{len(failures)} of {clients} clients failed") from failures[0]
    latencies.sort()
    n = len(latencies)
    hz = os.sysconf("SC_CLK_TCK")
    return {
        "clients": clients, "requests": n, "per_second": round(n / seconds, 1),
        "p50_ms": round(latencies[n // 2], 1), "p99_ms": round(latencies[max(0, int(n * 0.99) - 1)], 1),
        "max_ms": round(latencies[-1], 1),
        "cpu_ms_per_request": {k: round((after[k] - before[k]) * 1000 / hz / n, 2) for k in before},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="API processes (storyline serve --workers)")
    parser.add_argument("--adds", type=int, default=200, help="cards added per round (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of adds at 8 clients (default 3)")
    parser.add_argument("--moves", type=int, default=192, help="card moves per round (default 192)")
    parser.add_argument("--out", help="write the figures as JSON here too")
    args = parser.parse_args()

    server = OurServer(db=args.db, workers=args.workers)
    target = server.start()
    try:
        assert server.proc is not None
        pids = {server.proc.pid}
        conn = Conn(target)
        stories = iter([_ok(conn, "POST", "/v1/stories", {"title": f"Card story {n}"})["id"]
                        for n in range(args.adds * (args.rounds + 1) + 8)])
        worklist = _ok(conn, "POST", "/v1/worklists", {"title": "Growing list", "automatic": False})["id"]
        lanes = [_ok(conn, "POST", "/v1/worklists", {"title": f"Lane {n}", "automatic": False})["id"] for n in range(2)]
        cards = [_ok(conn, "POST", f"/v1/worklists/{lanes[0]}/items",
                     {"item_id": next(stories), "item_type": "story", "list_position": c})["id"] for c in range(8)]
        conn.close()
        taken = threading.Lock()
        added = [0]

        def add(_c: int, i: int) -> tuple[str, str, Any]:
            with taken:
                story = next(stories)
                added[0] += 1
            return "POST", f"/v1/worklists/{worklist}/items", {"item_id": story, "item_type": "story",
                                                                 "list_position": i % 10}

        def move(c: int, i: int) -> tuple[str, str, Any]:
            here, there = (lanes[0], lanes[1]) if i % 2 == 0 else (lanes[1], lanes[0])
            return "PUT", f"/v1/worklists/{here}/items/{cards[c]}", {"list_position": 0, "list_id": there}

        rounds = []
        for clients in [1] + [8] * args.rounds:
            cards_before = added[0]
            figures = _round(target, pids, clients, args.adds // clients, add)
            rounds.append({"kind": "add", "cards_before": cards_before, **figures})
        for _ in range(2):
            # An even number of moves per client: each card ends in the lane it started from.
            figures = _round(target, pids, 8, (args.moves // 8) // 2 * 2, move)
            rounds.append({"kind": "move", **figures})
    finally:
        server.stop()
    for r in rounds:
        cpu = r["cpu_ms_per_request"]
        where = f" (list of {r['cards_before']} cards)" if r["kind"] == "add" else ""
        print(f"{r['kind']} x{r['clients']}{where}: {r['per_second']}/s, p50 {r['p50_ms']} p99 {r['p99_ms']} "
              f"max {r['max_ms']} ms; CPU per request: server {cpu['server']} ms, PostgreSQL {cpu['postgresql']} ms")
    if args.out:
        Path(args.out).write_text(json.dumps({"db": args.db, "mode": server.mode, "rounds": rounds}, indent=2) + "\n")


if __name__ == "__main__":
    main()
