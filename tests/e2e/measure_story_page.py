"""Time from navigation to the 1,500-task story's task list being interactive, in headless Chromium.

Not a test (pytest does not collect it): run it after `make web`,

    .venv/bin/python tests/e2e/measure_story_page.py [--runs 7]

It starts `storyline serve` over a new SQLite database, loads the huge story through the HTTP API,
then opens the story page logged in, `runs` times in a fresh browser context each (cold caches),
and reports the time from navigation start until a task's status control is enabled (the list is
rendered, data loaded, inline editing possible), as measured by the page's own clock. The timing
itself is `benchmarks/browser.py`, which `make bench` also uses on its own dataset.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/: served.py
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from playwright.sync_api import sync_playwright  # noqa: E402
from webworld import HUGE_TASKS, seed_huge, serve  # noqa: E402

from benchmarks.browser import BUILT, STORY_READY, PageSpec, cold_loads, launch, summary  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not BUILT.is_file():
        sys.exit(f"The web client is not built ({BUILT} is missing): run `make web` first")
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as world:
        api = world.api()
        for name in ("nova", "glance", "swift-client"):
            world.projects[name] = api.post("/projects", {"name": name})
        huge = seed_huge(world)
        assert len(api.get(f"/stories/{huge['id']}/tasks")) == HUGE_TASKS
        page = PageSpec("huge_story_page", "huge story", f"/story/{huge['id']}", STORY_READY)
        with sync_playwright() as p:
            browser = launch(p)
            try:
                times, rows = cold_loads(browser, world.base, world.admin_token, page, args.runs)
            finally:
                browser.close()
    s = summary(times)
    print(f"story page, {HUGE_TASKS} tasks, {args.runs} cold loads: rows in the page {rows}; "
          f"navigation to interactive task list: median {s['median_ms']:.0f} ms, "
          f"min {s['best_ms']:.0f} ms, max {s['worst_ms']:.0f} ms")


if __name__ == "__main__":
    main()
