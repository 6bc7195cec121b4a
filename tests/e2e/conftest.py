"""End-to-end harness: a real `storyline serve` on a free loopback port, over a temporary SQLite
database seeded through the CLI (users, tokens) and the HTTP API (everything else), driven by
Debian's Chromium through Playwright. Screenshots of the main pages go to tests/e2e/artifacts/.

The web client must be built first (`make web`); `make test` does that. Under pytest-xdist (`make test`
runs the suite with `--dist loadgroup`), every test here runs on one worker: one seeded world and one
Chromium per run (tests/conftest.py, `pytest_xdist_make_scheduler`).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import oidc_provider_mock
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from webworld import (
    BUILT,
    CHROMIUM,
    CHROMIUM_ARGS,
    TRAIL,
    World,
    new_context,
    screenshot,
    seed,
    seed_huge,
    serve,
)

# An expectation waits as long as an action does (new_context: 10 s): on a loaded machine (the suite runs
# beside the load tests) a write and the page's answer to it can take more than Playwright's 5 s.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory, oidc_issuer: str) -> Iterator[World]:
    assert BUILT.is_file(), f"The web client is not built ({BUILT} is missing): run `make web` first"
    providers = (f'[{{"name": "main", "issuer": "{oidc_issuer}", "client_id": "storyline", "client_secret": "s3cret"}}]')
    # STORYLINE_VMT_TEAM: the team that sees every security report (seeded by seed_security).
    with serve(tmp_path_factory.mktemp("e2e"), {"STORYLINE_OIDC_PROVIDERS": providers,
                                                 "STORYLINE_VMT_TEAM": "vmt"}) as w:
        seed(w)
        with ThreadPoolExecutor(1) as pool:
            w.huge_future = pool.submit(seed_huge, w)
            yield w


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def page(browser: Browser, world: World) -> Iterator[Page]:
    """An anonymous visitor."""
    context = new_context(browser, world, None)
    yield context.new_page()
    context.close()


@pytest.fixture
def admin_page(browser: Browser, world: World) -> Iterator[Page]:
    """Ada, a superuser, logged in with a pasted token."""
    context = new_context(browser, world, world.admin_token)
    yield context.new_page()
    context.close()


@pytest.fixture
def bob_page(browser: Browser, world: World) -> Iterator[Page]:
    """Bob, a plain user, logged in with a pasted token."""
    context = new_context(browser, world, world.bob_token)
    yield context.new_page()
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """A failing test's report carries what its browser contexts asked the server and logged (the last
    80 lines each), and a screenshot of each of its pages in tests/e2e/artifacts/failed-*.png."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for n, lines in enumerate(v for v in TRAIL.values() if v):
            report.sections.append((f"browser context {n}: requests and console", "\n".join(lines[-80:])))
        for name, value in getattr(item, "funcargs", {}).items():
            if isinstance(value, Page) and not value.is_closed():
                try:
                    screenshot(value, f"failed-{item.name}-{name}")
                except PlaywrightError as e:  # a page that cannot be drawn any more says so in the report
                    report.sections.append((f"screenshot of {name}", f"not taken: {e}"))
    if report.when == "teardown":
        TRAIL.clear()

