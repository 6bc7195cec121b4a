"""Live updates latency (issue 15): from a write to another person's browser, on SQLite and PostgreSQL.

For each engine: a real `storyline serve --workers N` (default 2) over a new database, seeded through
the CLI and the API (tests/e2e/webworld.py). Bob's story page is open in headless Chromium (Debian's,
driven by Playwright); Ada posts comments through the API from this script, one every
`--interval` seconds. A MutationObserver in Bob's page notes (`Date.now()`, the same clock as this
script's `time.time()`) when each comment's text appears. Beside the browser, `--streams` plain SSE
clients on the same story measure write to notice (the stream alone, no page work).

    .venv/bin/python -m benchmarks.live_latency [--engines sqlite,postgresql] [--writes 20] [--workers 2]

Figures: median, 90th percentile and max in milliseconds, from the moment the write request is sent.
The web client must be built (`make web`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "e2e")]


def _figures(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    return {"median_ms": round(statistics.median(ms)), "p90_ms": round(ms[int(len(ms) * 0.9) - 1 if len(ms) > 1 else 0]),
            "max_ms": round(ms[-1]), "n": len(ms)}


class Listener:
    """A plain SSE client: when each change notice arrived (time.time())."""

    def __init__(self, base: str, story_id: int, token: str) -> None:
        self.arrived: dict[int, float] = {}
        self.ready = threading.Event()
        self.client = httpx.Client(base_url=base, timeout=httpx.Timeout(30, read=None),
                                   headers={"Authorization": f"Bearer {token}"})
        self.thread = threading.Thread(target=self._run, args=(story_id,), daemon=True)
        self.thread.start()

    def _run(self, story_id: int) -> None:
        try:
            with self.client.stream("GET", "/preview/live", params={"story": story_id}) as r:
                for line in r.iter_lines():
                    if line.startswith("event: ready"):
                        self.ready.set()
                    elif line.startswith("data: ") and '"type"' in line:
                        self.arrived.setdefault(json.loads(line[6:])["id"], time.time())
        except (httpx.HTTPError, OSError, RuntimeError):
            pass

    def close(self) -> None:
        self.client.close()


def run_engine(engine: str, writes: int, interval: float, workers: int, streams: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright
    from webworld import CHROMIUM, CHROMIUM_ARGS, WATCH, new_context, serve

    pg = None
    env = {"STORYLINE_WORKERS": str(workers), "STORYLINE_ACCESS_LOG": "false"}
    if engine == "postgresql":
        from pgserver import PostgresServer

        pg = PostgresServer().start()
        env["STORYLINE_DATABASE_URL"] = pg.create_database("live_bench")
    try:
        with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp), env) as world:
            ada = world.api()
            story = ada.post("/stories", {"title": "Latency of live updates"})
            listeners = [Listener(world.base, story["id"], world.bob_token) for _ in range(streams)]
            for listener in listeners:
                listener.ready.wait(10)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = new_context(browser, world, world.bob_token)
                page = context.new_page()
                with page.expect_response(lambda r: "/preview/live?" in r.url and r.status == 200):
                    page.goto(f"/story/{story['id']}")
                page.get_by_role("heading", name="Latency of live updates").wait_for()
                page.evaluate(WATCH)
                sent: dict[str, float] = {}
                events: dict[int, float] = {}
                for i in range(writes):
                    text = f"Latency probe {i} {time.time():.6f}"
                    page.evaluate("t => window.__watch.push(t)", text)
                    sent[text] = time.time()
                    event = ada.post(f"/stories/{story['id']}/comments", {"content": text})
                    events[event["id"]] = sent[text]
                    time.sleep(interval)
                deadline = time.time() + 10
                seen: dict[str, float] = {}
                while time.time() < deadline and len(seen) < writes:
                    seen = {k: v / 1000 for k, v in page.evaluate("() => window.__seen").items()}
                    time.sleep(0.2)
                browser.close()
            stream_latency = [listener.arrived[eid] - at for listener in listeners for eid, at in events.items()
                              if eid in listener.arrived]
            for listener in listeners:
                listener.close()
            return {"engine": engine, "workers": workers,
                    "browser": _figures([seen[t] - at for t, at in sent.items() if t in seen]),
                    "browser_missing": writes - len(seen),
                    "streams": _figures(stream_latency) if stream_latency else None,
                    "stream_notices_missing": writes * streams - len(stream_latency)}
    finally:
        if pg is not None:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between writes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--streams", type=int, default=4, help="plain SSE clients beside the browser")
    args = parser.parse_args()
    for engine in args.engines.split(","):
        result = run_engine(engine, args.writes, args.interval, args.workers, args.streams)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
