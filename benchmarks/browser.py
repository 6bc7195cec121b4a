"""Page timings in headless Chromium: navigation start to a page being usable, cold.

Used by `make bench` (the browser section, our server only) and by `tests/e2e/measure_story_page.py`.
Each load runs in a fresh browser context (empty HTTP cache and storage, the API token put in
`localStorage` before the page's scripts run, as the e2e tests log in), opens the page, and polls on
every animation frame until the page's readiness check holds; the time is the page's own clock at that
moment (`performance.now()`, which counts from navigation start). Chromium is Debian's, driven by
Playwright, with the e2e tests' flags (`tests/e2e/webworld.py`).
"""

from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
E2E = REPO / "tests" / "e2e"
BUILT = REPO / "src" / "storyline" / "web" / "index.html"
STORY_TARGET_MS = 500.0       # the web-client issue's target for the huge story

# The huge story's task list is interactive: a task row's status control is enabled (rows rendered,
# data loaded, inline editing possible).
STORY_READY = """() => {
  const select = document.querySelector('.task-row select:not([disabled])');
  return select ? performance.now() : false;
}"""


def list_ready(rows: int) -> str:
    """The project page shows at least `rows` stories in its table."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    return (f"() => document.querySelectorAll('table.stories tbody tr').length >= {rows} "
            "? performance.now() : false")


@dataclass(frozen=True)
class PageSpec:
    name: str
    label: str
    path: str                       # relative to the server's base URL
    ready: str                      # JS function returning performance.now() once ready, else false
    target_ms: float | None = None  # the median must not exceed it


def summary(times_ms: list[float], target_ms: float | None = None) -> dict[str, Any]:
    """Median, best and worst of the cold loads; `passed` compares the median with the target."""
    if not times_ms:
        raise ValueError("no timings")
    median = statistics.median(times_ms)
    out: dict[str, Any] = {"runs": len(times_ms), "median_ms": round(median, 1), "best_ms": round(min(times_ms), 1),
                           "worst_ms": round(max(times_ms), 1), "all_ms": [round(t, 1) for t in times_ms]}
    if target_ms is not None:
        out["target_ms"] = target_ms
        out["passed"] = median <= target_ms
    return out


def _webworld() -> Any:
    """The e2e harness module (Chromium path and flags, the logged-in browser context)."""
    for path in (E2E.parent, E2E):  # tests/ too: webworld imports its served.py
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    import webworld  # type: ignore[import-not-found]

    return webworld


@dataclass(frozen=True)
class _Site:
    """What `webworld.new_context` needs of a world: the base URL."""

    base: str


def launch(playwright: Any) -> Any:
    ww = _webworld()
    return playwright.chromium.launch(executable_path=ww.CHROMIUM, args=ww.CHROMIUM_ARGS)


def cold_loads(browser: Any, base_url: str, token: str | None, page: PageSpec, runs: int,
               timeout_ms: float = 30_000) -> tuple[list[float], int]:
    """`runs` cold loads of one page; returns the times (ms) and the rows in the page at the end of the
    last load (`.task-row` or story-table rows: what was rendered, not what exists)."""
    ww = _webworld()
    times: list[float] = []
    rows = 0
    for _ in range(runs):
        context = ww.new_context(browser, _Site(base_url), token)
        try:
            tab = context.new_page()
            tab.goto(page.path, wait_until="commit")
            ready = tab.wait_for_function(page.ready, polling="raf", timeout=timeout_ms).json_value()
            times.append(float(ready))
            rows = int(tab.evaluate(
                "() => document.querySelectorAll('.task-row, table.stories tbody tr').length"))
        finally:
            context.close()
    return times, rows


def measure_pages(base_url: str, token: str | None, pages: list[PageSpec], runs: int) -> dict[str, Any]:
    """Every page, `runs` cold loads each, in one Chromium. A page that fails is reported, not raised."""
    if not BUILT.is_file():
        return {"error": f"the web client is not built ({BUILT} is missing): run `make web`"}
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return {"error": f"playwright is not installed: {exc}"}
    out: dict[str, Any] = {"runs": runs, "pages": {}}
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                version = browser.version
                out["chromium"] = version
                for page in pages:
                    print(f"  browser: {page.name} ({runs} cold loads)", file=sys.stderr)
                    try:
                        times, rows = cold_loads(browser, base_url, token, page, runs)
                        out["pages"][page.name] = {"label": page.label, "path": page.path, "rows_in_page": rows,
                                                   **summary(times, page.target_ms)}
                    except PlaywrightError as exc:
                        out["pages"][page.name] = {"label": page.label, "path": page.path,
                                                   "error": str(exc).splitlines()[0]}
            finally:
                browser.close()
    except PlaywrightError as exc:
        out["error"] = f"Chromium could not run: {str(exc).splitlines()[0]}"
    return out
