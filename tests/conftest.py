"""Test harness: every test runs against a migrated SQLite file and a real PostgreSQL server.

Set STORYLINE_TEST_DATABASES=sqlite (or postgresql) to run one backend only while developing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from builders import BACKENDS, Api, Persona, app_on, client_of, make_persona  # noqa: E402
from migrated import migrated_database  # noqa: E402
from pgserver import PostgresServer  # noqa: E402


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` (make test): tests go to the pytest-xdist workers one by one, except the browser
    tests (tests/e2e/), which all go to one worker, so that the run seeds one e2e world and starts one
    Chromium. (The group is chosen here by path: the `xdist_group` mark no longer reaches the scheduler
    with pytest 9.2, which ignores xdist's rewrite of the test ids.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    # The longest tests that use no session database (so they do not switch a worker's `database_url`
    # back and forth) start first, beside the browser tests: at the end, in collection order, they
    # left one worker running alone for half a minute.
    first = ("tests/importers/test_storyboard.py", "tests/unit/test_cli_planning.py::",
             "tests/unit/test_cli_security.py::", "tests/unit/test_bench_smoke.py::")

    # modules whose tests share one costly server (a module-scoped fixture): all on one worker
    ONE_WORKER = ("tests/importers/test_storyboard.py::",)

    class BrowserTestsOnOneWorker(LoadGroupScheduling):
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(ONE_WORKER):  # one worker runs the module, around its one StoryBoard peer
                return nodeid.split("::", 1)[0]
            return "e2e" if nodeid.startswith("tests/e2e/") else super()._split_scope(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered:
                self.ordered = True
                for scope in [s for s in self.workqueue if s.startswith(first)][::-1] + ["e2e"]:
                    if scope in self.workqueue:
                        self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return BrowserTestsOnOneWorker(config, log)


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer | None]:
    if "postgresql" not in BACKENDS:
        yield None
        return
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, pg: PostgresServer | None,
                 tmp_path_factory: pytest.TempPathFactory) -> str:
    # a copy of the process's migrated template (tests/migrated.py)
    return migrated_database(request.param, pg, tmp_path_factory.mktemp("db"), "storyline_test")


@pytest.fixture(scope="session")
def app(database_url: str) -> Any:
    with app_on(database_url, cors_allowed_origins=[
            "https://storyboard.example.org", "^https://.*\\.review\\.example\\.org"]) as application:
        yield application


@pytest.fixture(scope="session")
def client(app: Any) -> Iterator[TestClient]:
    with client_of(app) as c:
        yield c


@pytest.fixture(scope="session")
def admin(app: Any) -> Persona:
    return make_persona(app, superuser=True, name="Admin Person")


@pytest.fixture()
def user(app: Any) -> Persona:
    return make_persona(app)


@pytest.fixture()
def other(app: Any) -> Persona:
    return make_persona(app)


@pytest.fixture()
def api(client: TestClient, admin: Persona) -> Api:
    return Api(client, admin)
