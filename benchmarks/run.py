"""`python -m benchmarks.run` (`make bench`): load a dataset through the v1 API, time the hot reads.

Sequence: start `storyline serve` on a fresh database, load the dataset, time every read (a fixed
number of requests from a few concurrent clients), time the floor reads for get-story and the huge
task list (one client, then the plain-driver floor in-process), time two pages of the web client in
headless Chromium (unless --no-browser), stop the server. With --peer, the same reads for the StoryBoard
peer, one server at a time so they never compete for the CPU. Prints a side-by-side table and writes a
JSON file (benchmarks/results/latest-<db>.json unless --output says otherwise). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import browser
from benchmarks.client import Conn, Target, TransportError
from benchmarks.dataset import Loaded, Loader, Plan, Sizes, make_plan, verify
from benchmarks.floor import Floor, summarize, time_calls
from benchmarks.floor_server import FloorServer
from benchmarks.machine import CpuMeter
from benchmarks.servers import DEFAULT_PEER_HOME, REPO, OurServer, Peer
from benchmarks.writes import Req, WriteFloor, bench_writes, hammer, writes_table

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_PEER_RATIO = 10.0      # at least 10x StoryBoard's throughput on every read
TARGET_FLOOR_RATIO = 3.0      # within 3x of the floor's latency
NOISY_PCT = 10.0              # other programs' share of the CPU above which figures are flagged


@dataclass(frozen=True)
class Read:
    name: str
    label: str
    paths: Callable[[Plan, Loaded, list[int]], list[str]]
    floor: str | None = None      # name of the Floor method producing the same JSON
    rows: Callable[[Any], int] | None = None     # items in an answer (default: list length, else 1)
    group: str = "core"


def _stories(plan: Plan, loaded: Loaded, sample: list[int]) -> list[str]:
    return [f"/v1/stories/{loaded.story_ids[i]}" for i in sample]


def board_cards(board: Any) -> int:
    """Cards of a board answer: the items of every lane's worklist."""
    return sum(len((lane.get("worklist") or {}).get("items") or []) for lane in board.get("lanes") or [])


def worklist_items(worklist: Any) -> int:
    return len(worklist.get("items") or [])


READS = (
    Read("get_story", "GET /v1/stories/{id}", _stories, floor="get_story"),
    Read("huge_story_tasks", "GET /v1/stories/{huge}/tasks (all, no limit)",
         lambda plan, loaded, _s: [f"/v1/stories/{loaded.huge_id}/tasks"], floor="story_tasks"),
    Read("list_stories", "GET /v1/stories?project_id&status=active&sort_field=updated_at&sort_dir=desc&limit=20",
         lambda plan, loaded, _s: [f"/v1/stories?project_id={p}&status=active&sort_field=updated_at"
                                   f"&sort_dir=desc&limit=20" for p in loaded.project_ids]),
    Read("search_stories", "GET /v1/stories/search?q=<word>&limit=20",
         lambda plan, loaded, _s: [f"/v1/stories/search?q={w}&limit=20" for w in plan.search_words]),
    Read("list_tasks", "GET /v1/tasks?project_id&status=todo&limit=50",
         lambda plan, loaded, _s: [f"/v1/tasks?project_id={p}&status=todo&limit=50"
                                   for p in loaded.project_ids]),
    Read("story_events", "GET /v1/stories/{id}/events (all, no limit)",
         lambda plan, loaded, sample: [f"/v1/stories/{loaded.story_ids[i]}/events" for i in sample]),
    # Planning reads: the board with its lanes' cards resolved, each lane's items, the automatic
    # worklist (items computed from its filter and resolved) and its items endpoint.
    Read("board", "GET /v1/boards/{id} (lanes with their cards resolved)",
         lambda plan, loaded, _s: [f"/v1/boards/{loaded.board_id}"] if loaded.board_id else [],
         rows=board_cards, group="planning"),
    Read("lane_items", "GET /v1/worklists/{lane}/items (each lane of the board)",
         lambda plan, loaded, _s: [f"/v1/worklists/{i}/items" for i in loaded.lane_ids], group="planning"),
    Read("auto_worklist", "GET /v1/worklists/{auto} (automatic: items computed and resolved)",
         lambda plan, loaded, _s: [f"/v1/worklists/{loaded.auto_id}"] if loaded.auto_id else [],
         rows=worklist_items, group="planning"),
    Read("auto_items", "GET /v1/worklists/{auto}/items (automatic list's items)",
         lambda plan, loaded, _s: [f"/v1/worklists/{loaded.auto_id}/items"] if loaded.auto_id else [],
         group="planning"),
)


# ----------------------------------------------------------------------------------- measurement
def measure(target: Target, paths: list[str], requests: int, clients: int, warmup: int,
            max_seconds: float, rows: Callable[[Any], int] | None = None) -> dict[str, Any]:
    """`requests` GETs spread over `clients` threads (one keep-alive connection each), cycling over
    `paths`; stops early after `max_seconds`. Latency is per request, as the client sees it. `rows`
    (the items in the answer to `paths[0]`) is counted on the measured answer of the first request,
    so a slow read is not asked once more for it."""
    conn = Conn(target)
    warm_until = time.perf_counter() + max_seconds / 2     # a slow read must not warm up for minutes
    for i in range(warmup):
        if time.perf_counter() >= warm_until:
            break
        try:
            conn.get(paths[i % len(paths)], retries=0)
        except TransportError:
            pass
    conn.close()

    per = -(-requests // clients)  # requests per client, rounded up; the last ones stop at `requests`
    run_ = hammer(target, lambda c, i: Req("GET", paths[(c * per + i) % len(paths)]) if c * per + i < requests
                  else None, clients, per, max_seconds=max_seconds)
    ok = [a for a in run_.answers if a.status == 200]
    result = summarize([a.seconds for a in ok], run_.wall)
    if not ok:           # every request failed: no latency to report
        result["p50_ms"] = result["p95_ms"] = None
    failures = run_.failures()
    sizes = [len(a.body) for a in ok if a.client * per + a.step < 50]
    first = [a.body for a in ok if a.client == 0 and a.step == 0]
    result["errors"] = failures
    result["stopped_by_time_limit"] = len(run_.answers) < requests
    result["avg_bytes"] = int(sum(sizes) / len(sizes)) if sizes else 0
    result["rows"] = count_rows(first[0], rows) if first else None
    return result


def count_rows(body: bytes, rows: Callable[[Any], int] | None = None) -> int | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if rows is not None:
        return rows(data)
    return len(data) if isinstance(data, list) else 1


def bench_server(target: Target, loaded: Loaded, plan: Plan, sample: list[int], args: argparse.Namespace,
                 floor: Floor | None, other_pids: set[int] | None = None,
                 floor_http: Target | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    meter = CpuMeter(other_pids)
    meter.start()
    time.sleep(1.0)
    busy = meter.stop()
    out["_other_cpu_before_pct"] = busy
    if busy is not None and busy > NOISY_PCT:
        print(f"warning: other programs use {busy}% of the machine's CPU before measuring {target.name}; "
              "figures will be noisy", file=sys.stderr)

    deadline = time.monotonic() + args.wait_quiet

    def timed(clients: int, paths: list[str], rows: Callable[[Any], int] | None = None,
              at: Target = target) -> dict[str, Any]:
        waited = False
        while time.monotonic() < deadline:      # --wait-quiet: let other people's work finish first
            meter.start()
            time.sleep(2.0)
            other = meter.stop()
            if other is None or other <= NOISY_PCT:
                break
            if not waited:
                print(f"  waiting for a quiet machine (other programs use {other}% of the CPU) ...",
                      file=sys.stderr)
                waited = True
        meter.start()
        res = measure(at, paths, args.requests, clients, args.warmup, args.max_seconds, rows)
        res["other_cpu_pct"] = meter.stop()
        return res

    conn = Conn(target)
    for read in READS:
        paths = read.paths(plan, loaded, sample)
        if not paths:
            continue
        print(f"  {target.name}: {read.name} ({len(paths)} distinct paths)", file=sys.stderr)
        res = timed(args.clients, paths, read.rows)
        res["example"] = paths[0]
        if read.floor and floor is not None:
            # One client: a request at a time, comparable with the in-process floor (also one at a time).
            res["one_client"] = timed(1, paths)
            fn = getattr(floor, read.floor)
            ids = [int(p.split("/")[3]) for p in paths]
            res["floor"] = time_calls(fn, ids, args.requests)
            res["floor"]["driver"] = floor.kind
            res["floor"]["same_json"] = all(
                json.loads(fn(i)) == conn.get_json(p) for i, p in list(zip(ids, paths, strict=True))[:5])
            if floor_http is not None:
                # The same floor behind uvicorn alone, one client (benchmarks/floor_server.py).
                res["floor_http"] = timed(1, paths, at=floor_http)
                floor_conn = Conn(floor_http)
                res["floor_http"]["same_json"] = all(
                    floor_conn.get_json(p) == conn.get_json(p) for p in paths[:5])
                floor_conn.close()
        out[read.name] = res
    conn.close()
    return out


def browser_pages(plan: Plan, loaded: Loaded) -> list[browser.PageSpec]:
    """The huge story's page, and the story list of the project with the most stories (its first 50,
    or all of them when it has fewer)."""
    counts = plan.project_story_counts()
    busiest = max(range(len(counts)), key=lambda i: (counts[i], -i))
    first = min(50, counts[busiest])
    return [
        browser.PageSpec("huge_story_page", f"story page of the huge story ({len(plan.huge.tasks)} tasks): "
                         "navigation to an enabled task status control",
                         f"/story/{loaded.huge_id}", browser.STORY_READY, browser.STORY_TARGET_MS),
        browser.PageSpec("project_list_page", f"project page ({counts[busiest]} stories): navigation to its "
                         f"first {first} stories shown", f"/project/{loaded.project_ids[busiest]}?size=50",
                         browser.list_ready(first)),
    ]


def bench_browser(target: Target, loaded: Loaded, plan: Plan, runs: int,
                  other_pids: set[int] | None = None) -> dict[str, Any]:
    print(f"timing the web client in headless Chromium ({runs} cold loads per page) ...", file=sys.stderr)
    meter = CpuMeter(other_pids)
    meter.start()
    res = browser.measure_pages(target.base_url, target.token, browser_pages(plan, loaded), runs)
    res["other_cpu_pct"] = meter.stop()
    return res


# ----------------------------------------------------------------------------------- orchestration
@dataclass
class Side:
    """One server's run: started, loaded, measured, stopped."""

    server: Any
    target: Target | None = None
    loaded: Loaded | None = None
    problems: list[str] | None = None
    error: str | None = None

    reuse: bool = False           # the peer only: keep the dataset a previous run loaded (--peer-reuse)
    reused: bool = False
    previous_load: dict[str, Any] | None = None

    def _previous(self, plan: Plan) -> Loaded | None:
        """The dataset a previous run loaded into the peer, if it was this very plan."""
        try:
            saved = json.loads(self.server.dataset_file.read_text())
        except (OSError, ValueError):
            return None
        if saved.get("fingerprint") != plan.fingerprint:
            return None
        self.previous_load = {"reused_from_previous_run": True, "loaded_at": saved.get("loaded_at"),
                              **saved.get("load", {})}
        return Loaded(target=self.server.name, **saved["ids"], seconds=0.0)

    def start_and_load(self, plan: Plan, workers: int) -> None:
        name = self.server.name
        try:
            print(f"starting {name} ...", file=sys.stderr)
            previous = self._previous(plan) if self.reuse else None
            if previous is not None:
                self.target = self.server.start(reset=False)
                conn = Conn(self.target)
                try:
                    problems = verify(conn, plan, previous)
                except (RuntimeError, TransportError) as exc:
                    problems = [str(exc)]
                finally:
                    conn.close()
                if not problems:
                    self.loaded, self.problems, self.reused = previous, [], True
                    print(f"{name}: re-using the dataset loaded by a previous run", file=sys.stderr)
                    return
                print(f"{name}: the saved dataset does not check out ({problems[0]}); loading again",
                      file=sys.stderr)
                self.server.stop()
            if self.target is None or previous is not None:
                self.target = self.server.start()
            print(f"loading {plan.request_count} objects into {name} at {self.target.base_url} ...",
                  file=sys.stderr)
            self.loaded = Loader(self.target, plan, workers=workers).load()
            conn = Conn(self.target)
            try:
                self.problems = verify(conn, plan, self.loaded)
            finally:
                conn.close()
            if isinstance(self.server, Peer) and not self.problems:
                self.server.dataset_file.write_text(json.dumps({
                    "fingerprint": plan.fingerprint, "ids": self.loaded.ids(), "load": self.loaded.summary(),
                    "loaded_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()}))
            print(f"{name} loaded in {self.loaded.seconds:.0f} s", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - reported, never hidden: the run goes on with the other server
            self.error = f"{type(exc).__name__}: {exc}"
            print(f"{name} failed: {self.error}", file=sys.stderr)

    def report(self, reads: dict[str, Any]) -> dict[str, Any]:
        assert self.loaded is not None
        busy = reads.pop("_other_cpu_before_pct", None)
        load = self.previous_load if self.reused and self.previous_load else self.loaded.summary()
        return {"server": self.server.mode, "ready_seconds": getattr(self.server, "ready_seconds", None),
                "load": load, "problems": self.problems,
                "other_cpu_before_measuring_pct": busy, "reads": reads}


def run(plan: Plan, sample: list[int], args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Both servers start and load side by side (loading is not what is measured, and our single
    server process leaves a core idle); then each is measured alone while the other is idle or stopped."""
    ours = Side(OurServer(db=args.db, keep=args.keep, workers=args.workers))
    peer = (Side(Peer(home=Path(args.peer_home), workers=args.peer_workers), reuse=args.peer_reuse)
            if args.peer else None)
    if peer is not None:
        print(f"StoryBoard peer log: {peer.server.log} (its first start takes 1-2 minutes)", file=sys.stderr)
    try:
        sides = [s for s in (ours, peer) if s is not None]
        threads = [threading.Thread(target=s.start_and_load, args=(plan, args.load_workers)) for s in sides]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if ours.error or ours.target is None or ours.loaded is None:
            raise SystemExit(f"storyline could not be benchmarked: {ours.error}\nserver log: {ours.server.log}")
        time.sleep(args.settle)
        conn = Conn(ours.target)
        story_keys = set(conn.get_json(f"/v1/stories/{ours.loaded.story_ids[0]}"))
        conn.close()
        floor = Floor(ours.server.database_url, ours.server.viewer_id, story_keys)
        floor_server = FloorServer(ours.server.database_url, ours.server.viewer_id, story_keys)
        try:
            ours_result = ours.report(bench_server(ours.target, ours.loaded, plan, sample, args, floor,
                                                   ours.server.pids(), floor_server.start()))
        finally:
            floor_server.stop()
            floor.close()
        if not args.no_browser:
            ours_result["browser"] = bench_browser(ours.target, ours.loaded, plan, args.browser_runs,
                                                   ours.server.pids())
        if not args.no_writes:
            ours_result["writes"] = run_writes(ours.target, ours.loaded, args, subscribers=1000)
            write_floor = WriteFloor(ours.server.database_url, ours.server.viewer_id)
            try:
                ours_result["writes"]["floor"] = write_floor.measure(ours.loaded.story_ids[0], args.write_requests)
            finally:
                write_floor.close()
        ours.server.stop()
        peer_result = None
        if peer is not None:
            if peer.error or peer.target is None or peer.loaded is None:
                print(f"StoryBoard peer unavailable, Storyline figures only: {peer.error}", file=sys.stderr)
                peer_result = {"error": peer.error or "peer did not start"}
            else:
                peer_result = peer.report(bench_server(peer.target, peer.loaded, plan, sample, args, None,
                                                       peer.server.pids()))
                if not args.no_writes:
                    peer_result["writes"] = run_writes(peer.target, peer.loaded, args)
        return ours_result, peer_result
    finally:
        ours.server.stop()
        if peer is not None:
            peer.server.stop()
        if args.keep:
            print(f"kept {ours.server.workdir}", file=sys.stderr)


def run_writes(target: Target, loaded: Loaded, args: argparse.Namespace, subscribers: int = 0) -> dict[str, Any]:
    """The write cells on one server (after its reads: the writes change the dataset)."""
    print(f"  {target.name}: writes", file=sys.stderr)
    return bench_writes(target, loaded.story_ids, loaded.project_ids[0], loaded.huge_id,
                        f"w{int(time.time())}", args.write_requests, loaded.lane_ids, subscribers)


def ratio(a: float | None, b: float | None) -> float | None:
    if not a or not b:
        return None
    return round(a / b, 2)


def combine(ours: dict[str, Any], peer: dict[str, Any] | None) -> dict[str, Any]:
    endpoints: dict[str, Any] = {}
    for read in READS:
        o = ours["reads"].get(read.name)
        if o is None:
            continue
        p = (peer or {}).get("reads", {}).get(read.name)
        e: dict[str, Any] = {"label": read.label, "group": read.group, "ours": o, "peer": p,
                             "throughput_ratio": ratio(o["rps"], p["rps"]) if p else None}
        if "floor" in o:
            e["floor_ratio"] = ratio(o["one_client"]["p50_ms"], o["floor"]["p50_ms"])
        if "floor_http" in o:
            e["floor_http_ratio"] = ratio(o["one_client"]["p50_ms"], o["floor_http"]["p50_ms"])
        endpoints[read.name] = e
    return endpoints


def _fmt(v: Any, width: int, digits: int = 1) -> str:
    if v is None:
        return "-".rjust(width)
    if isinstance(v, float):
        return f"{v:.{digits}f}".rjust(width)
    return str(v).rjust(width)


def _other_cpu(e: dict[str, Any]) -> float | None:
    values = [r.get("other_cpu_pct") for r in (e["ours"], e["ours"].get("one_client") or {}, e["peer"] or {})]
    values = [v for v in values if v is not None]
    return max(values) if values else None


def _load_text(load: dict[str, Any]) -> str:
    if load.get("reused_from_previous_run"):
        text = "dataset loaded through its API by a previous run"
        if load.get("loaded_at"):
            text += f" at {load['loaded_at']}"
        if load.get("seconds"):
            text += f" in {load['seconds']} s ({load['requests']} requests)"
        return text + " (--peer-reuse)"
    return f"loaded in {load['seconds']} s ({load['requests']} requests)"


def table(result: dict[str, Any]) -> str:
    meta = result["meta"]
    s = meta["sizes"]
    lines = [
        f"Storyline benchmark, {meta['date']} ({meta['db']}, {s['projects']} projects, {s['stories']} stories, "
        f"huge story with {s['huge_tasks']} tasks, {s.get('planning_stories', 0)} planning stories, "
        f"a board of {s.get('lanes', 0)} lanes and {s.get('cards', 0)} cards; "
        f"{meta['requests']} requests x {meta['clients']} clients per read; {meta['cpus']} CPUs)",
        f"ours:   {result['ours']['server']} (answering {result['ours'].get('ready_seconds')} s after the "
        f"command); {_load_text(result['ours']['load'])}",
    ]
    peer = result.get("peer")
    if peer and "error" not in peer:
        lines.append(f"theirs: {peer['server']}; {_load_text(peer['load'])}")
    elif peer:
        lines.append(f"theirs: unavailable: {peer['error'].splitlines()[0]}")
    head = (f"{'read':<17}{'rows':>11} | {'ours p50':>8}{'p95':>8}{'rps':>8} | {'SB p50':>8}{'p95':>8}"
            f"{'rps':>7} | {'x SB':>6} | {'1-cl p50':>8}{'floor':>7}{'x floor':>8} | {'other%':>6}")
    lines += ["", "latencies in ms; rps = requests per second; x SB = our rps / StoryBoard rps;",
              "1-cl p50 = our p50 with one client; floor = plain driver + orjson p50; x floor = 1-cl p50 / floor;",
              "other% = most CPU other programs took from the machine while this read was measured",
              "", head, "-" * len(head)]
    noisy = []
    group = "core"
    for name, e in result["endpoints"].items():
        o, p = e["ours"], e["peer"] or {}
        if e.get("group", "core") != group:
            group = e["group"]
            lines.append(f"-- {group} reads")
        rows = o.get("rows")
        if p and p.get("rows") != rows and (p.get("rows") is not None or p.get("errors")):
            rows = f"{rows}/{'-' if p.get('rows') is None else p['rows']}"
        other = _other_cpu(e)
        if other is not None and other > NOISY_PCT:
            noisy.append(name)
        ratio_text: Any = e["throughput_ratio"]
        if p and not p.get("requests") and p.get("errors"):
            ratio_text = "SB err"       # StoryBoard answered no request of this read with 200
        lines.append(
            f"{name:<17}{_fmt(rows, 11)} | {_fmt(o['p50_ms'], 8, 2)}{_fmt(o['p95_ms'], 8, 2)}{_fmt(o['rps'], 8)} | "
            f"{_fmt(p.get('p50_ms'), 8, 1)}{_fmt(p.get('p95_ms'), 8, 1)}{_fmt(p.get('rps'), 7)} | "
            f"{_fmt(ratio_text, 6)} | "
            f"{_fmt(o.get('one_client', {}).get('p50_ms'), 8, 2)}{_fmt(o.get('floor', {}).get('p50_ms'), 7, 3)}"
            f"{_fmt(e.get('floor_ratio'), 8)} | {_fmt(other, 6)}")
    lines += ["", "targets:"]
    for name, e in result["endpoints"].items():
        checks = []
        if e["peer"] and not e["peer"].get("requests") and e["peer"].get("errors"):
            checks.append(f">= {TARGET_PEER_RATIO:g}x StoryBoard rps: no ratio, StoryBoard failed every request "
                          f"({_errors_text(e['peer']['errors'])}); ours answered {e['ours']['requests']}")
        elif e["throughput_ratio"] is not None:
            ok = e["throughput_ratio"] >= TARGET_PEER_RATIO
            checks.append(f">= {TARGET_PEER_RATIO:g}x StoryBoard rps: {'PASS' if ok else 'FAIL'} "
                          f"({e['throughput_ratio']}x)")
        if e.get("floor_ratio") is not None:
            ok = e["floor_ratio"] <= TARGET_FLOOR_RATIO
            checks.append(f"<= {TARGET_FLOOR_RATIO:g}x floor: {'PASS' if ok else 'FAIL'} ({e['floor_ratio']}x)")
            if not e["ours"]["floor"].get("same_json"):
                checks.append("floor JSON differs from ours: update benchmarks/floor.py")
        if e.get("floor_http_ratio") is not None:
            fh = e["ours"]["floor_http"]
            checks.append(f"(the floor over HTTP, benchmarks/floor_server.py: {fh['p50_ms']:.2f} ms; "
                          f"ours {e['floor_http_ratio']}x it)")
            if not fh.get("same_json"):
                checks.append("floor server JSON differs from ours: update benchmarks/floor.py")
        if e["ours"]["errors"]:
            checks.append(f"our errors {e['ours']['errors']}")
        if e["peer"] and e["peer"]["errors"] and e["peer"].get("requests"):
            checks.append(f"peer errors {e['peer']['errors']}")
        if e["ours"].get("stopped_by_time_limit") or (e["peer"] or {}).get("stopped_by_time_limit"):
            who = [w for w in ("ours", "peer") if (e[w] or {}).get("stopped_by_time_limit")]
            checks.append(f"stopped by --max-seconds ({', '.join(who)})")
        lines.append(f"  {name:<17}" + ("; ".join(checks) if checks else "no peer figures"))
    for who in ("ours", "peer"):
        r = result.get(who) or {}
        if r.get("problems"):
            lines.append(f"{who} dataset problems: {r['problems']}")
        if (r.get("load") or {}).get("non_2xx"):
            lines.append(f"{who}: non-2xx answers while loading (retried after checking): {r['load']['non_2xx']}")
    lines += browser_table(result.get("browser"))
    writes = result.get("writes") or {}
    lines += writes_table(writes.get("ours"), writes.get("peer"))
    if result.get("browser") and (result["browser"].get("other_cpu_pct") or 0) > NOISY_PCT:
        noisy.append("the browser pages")
    if noisy:
        lines.append(f"NOISY: other programs took more than {NOISY_PCT:g}% of the CPU while measuring "
                     f"{', '.join(noisy)}; run again on a quiet machine")
    return "\n".join(lines)


def _errors_text(errors: dict[str, int]) -> str:
    return ", ".join(f"{n} x {'HTTP ' + k if k.isdigit() else k}" for k, n in errors.items())


def browser_table(res: dict[str, Any] | None) -> list[str]:
    """The browser section of the printed report (our server only)."""
    if res is None:
        return []
    lines = ["", "web client in headless Chromium (our server only; cold loads, each in a fresh browser context):"]
    if res.get("error"):
        return lines + [f"  not measured: {res['error']}"]
    lines.append(f"  {res.get('chromium', '?')}, {res['runs']} cold loads per page, "
                 f"other programs took up to {res.get('other_cpu_pct')}% of the CPU")
    for name, page in res["pages"].items():
        if page.get("error"):
            lines.append(f"  {name:<18} failed: {page['error']}")
            continue
        verdict = ""
        if page.get("target_ms") is not None:
            verdict = (f"  target <= {page['target_ms']:g} ms (median): "
                       f"{'PASS' if page['passed'] else 'FAIL'}")
        lines.append(f"  {name:<18} median {page['median_ms']:7.0f} ms, best {page['best_ms']:7.0f} ms, "
                     f"worst {page['worst_ms']:7.0f} ms ({page['rows_in_page']} rows in the page){verdict}")
        lines.append(f"  {'':<18} {page['label']}")
    return lines


def git_commit() -> str | None:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             timeout=10).stdout.strip()
    except OSError:
        return None
    return sha or None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite", help="our database")
    ap.add_argument("--quick", action="store_true",
                    help="small run: 300 stories, huge story of 300 tasks, 500 planning stories, 120 cards, "
                         "50 requests per read, 3 browser loads (explicit size flags still win)")
    ap.add_argument("--projects", type=int, help="projects (default 30)")
    ap.add_argument("--stories", type=int, help="ordinary stories (default 3000)")
    ap.add_argument("--huge-tasks", type=int, help="tasks of the huge story (default 1500)")
    ap.add_argument("--planning-stories", type=int,
                    help="stories without tasks, the automatic worklist's items (default 10000, --quick 500; "
                         "one request each)")
    ap.add_argument("--board-cards", type=int,
                    help="cards on the 6-lane board, ordinary stories and tasks (default 500, --quick 120)")
    ap.add_argument("--no-browser", action="store_true",
                    help="skip the web client's page timings in headless Chromium")
    ap.add_argument("--browser-runs", type=int,
                    help="cold loads per page in the browser section (default 7, --quick 3)")
    ap.add_argument("--requests", type=int, help="requests per read and server (default 300)")
    ap.add_argument("--clients", type=int, default=4, help="concurrent client threads (default 4)")
    ap.add_argument("--warmup", type=int, default=10, help="unmeasured requests before each read (default 10)")
    ap.add_argument("--max-seconds", type=float, default=30.0,
                    help="stop a read early after this many seconds (default 30)")
    ap.add_argument("--wait-quiet", type=float, default=0.0,
                    help="before each measurement, wait while other programs use more than 10%% of the CPU, "
                         "for at most this many seconds in all per server (default 0: do not wait)")
    ap.add_argument("--settle", type=float, default=3.0,
                    help="seconds of rest between loading and measuring (default 3)")
    ap.add_argument("--load-workers", type=int, default=8, help="concurrent connections while loading")
    ap.add_argument("--peer", action="store_true", help="also start and measure the StoryBoard peer")
    ap.add_argument("--peer-home", default=str(DEFAULT_PEER_HOME),
                    help=f"state directory of the bench's own peer (default {DEFAULT_PEER_HOME})")
    ap.add_argument("--peer-reuse", action="store_true",
                    help="keep the peer's database when a previous run loaded this very dataset into it "
                         "(checked first; loading the peer takes 6-13 minutes on 2 cores)")
    ap.add_argument("--peer-workers", type=int, default=2, help="gunicorn workers of the peer (default 2)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                    help="API processes of our server, storyline serve --workers (default: one per CPU core)")
    ap.add_argument("--no-writes", action="store_true", help="skip the write cells")
    ap.add_argument("--write-requests", type=int, default=200, help="requests per write cell (default 200)")
    ap.add_argument("--seed", type=int, default=20261130, help="dataset seed")
    ap.add_argument("--output", help="results JSON (default benchmarks/results/latest-<db>.json)")
    ap.add_argument("--keep", action="store_true", help="keep our temporary database directory")
    args = ap.parse_args(argv)
    quick = args.quick
    for name, full, small in (("projects", 30, 30), ("stories", 3000, 300), ("huge_tasks", 1500, 300),
                              ("requests", 300, 50), ("planning_stories", 10_000, 500), ("board_cards", 500, 120),
                              ("browser_runs", 7, 3)):
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    for name in ("projects", "stories", "huge_tasks", "requests", "clients", "load_workers", "browser_runs"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("planning_stories", "board_cards"):
        if getattr(args, name) < 0:
            ap.error(f"--{name.replace('_', '-')} must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    sizes = Sizes(projects=args.projects, stories=args.stories, huge_tasks=args.huge_tasks,
                  planning_stories=args.planning_stories, cards=args.board_cards)
    plan = make_plan(sizes, seed=args.seed)
    rng = random.Random(args.seed)
    sample = rng.sample(range(len(plan.stories)), min(200, len(plan.stories)))

    ours, peer = run(plan, sample, args)
    endpoints = combine(ours, None if peer is None or "error" in peer else peer)
    result = {
        "meta": {
            "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "commit": git_commit(), "db": args.db, "sizes": sizes.__dict__, "requests": args.requests,
            "clients": args.clients, "warmup": args.warmup, "max_seconds": args.max_seconds,
            "load_workers": args.load_workers, "seed": args.seed, "python": platform.python_version(),
            "cpus": os.cpu_count(), "machine": platform.machine(), "quick": args.quick,
            "total_seconds": round(time.perf_counter() - t0, 1),
        },
        "ours": {k: v for k, v in ours.items() if k not in ("reads", "browser", "writes")},
        "peer": None if peer is None else {k: v for k, v in peer.items() if k not in ("reads", "writes")},
        "writes": {"ours": ours.get("writes"), "peer": None if peer is None else peer.get("writes")},
        "endpoints": endpoints,
        "browser": ours.get("browser"),
    }
    out = Path(args.output) if args.output else RESULTS / f"latest-{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print(f"\nresults: {out} (total {result['meta']['total_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
