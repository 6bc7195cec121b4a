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
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from webworld import (
    BUILT,
    CHROMIUM,
    CHROMIUM_ARGS,
    World,
    new_context,
    seed,
    seed_huge,
    serve,
)


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
