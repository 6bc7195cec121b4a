"""Time from navigation to the 1,500-task story's task list being interactive, in headless Chromium.

Not a test (pytest does not collect it): run it after `make web`,

    .venv/bin/python tests/e2e/measure_story_page.py [--runs 7]

It starts `storyline serve` over a new SQLite database, loads the huge story through the HTTP API,
then opens the story page logged in, `runs` times in a fresh browser context each (cold caches),
and reports the time from navigation start until a task's status control is enabled (the list is
rendered, data loaded, inline editing possible), as measured by the page's own clock.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from playwright.sync_api import sync_playwright  # noqa: E402
from webworld import BUILT, CHROMIUM, CHROMIUM_ARGS, HUGE_TASKS, new_context, seed_huge, serve  # noqa: E402

READY = """() => {
  const select = document.querySelector('.task-row select:not([disabled])');
  return select ? performance.now() : false;
}"""


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
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(args.runs):
                context = new_context(browser, world, world.admin_token)
                page = context.new_page()
                page.goto(f"/story/{huge['id']}", wait_until="commit")
                ready = page.wait_for_function(READY, polling="raf", timeout=30_000).json_value()
                rows = page.locator(".task-row").count()
                times.append(float(ready))
                context.close()
            browser.close()
    print(f"story page, {HUGE_TASKS} tasks, {args.runs} cold loads: rows in the page {rows}; "
          f"navigation to interactive task list: median {statistics.median(times):.0f} ms, "
          f"min {min(times):.0f} ms, max {max(times):.0f} ms")


if __name__ == "__main__":
    main()
