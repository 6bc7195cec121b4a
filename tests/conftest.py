"""Test harness: every test runs against a migrated SQLite file and a real PostgreSQL server.

Set STORYLINE_TEST_DATABASES=sqlite (or postgresql) to run one backend only while developing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

from builders import Api, Persona, make_persona  # noqa: E402
from pgserver import PostgresServer  # noqa: E402

from storyline.app import create_app  # noqa: E402
from storyline.config import Settings  # noqa: E402
from storyline.migrate import upgrade  # noqa: E402

BACKENDS = [b for b in os.environ.get("STORYLINE_TEST_DATABASES", "sqlite,postgresql").split(",") if b]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` (make test): tests go to the pytest-xdist workers one by one, except the browser
    tests (tests/e2e/), which all go to one worker, so that the run seeds one e2e world and starts one
    Chromium. (The group is chosen here by path: the `xdist_group` mark no longer reaches the scheduler
    with pytest 9.2, which ignores xdist's rewrite of the test ids.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class BrowserTestsOnOneWorker(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "e2e" if nodeid.startswith("tests/e2e/") else super()._split_scope(nodeid)

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
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'storyline.db'}"
    else:
        assert pg is not None
        url = pg.create_database("storyline_test")
    upgrade(url)
    return url


def make_settings(url: str, **overrides: Any) -> Settings:
    """Test settings: the worker does not run in the background (tests run its passes themselves)."""
    overrides.setdefault("worker_in_process", False)
    overrides.setdefault("vmt_team", "vmt")
    return Settings(database_url=url, **overrides)


@pytest.fixture(scope="session")
def app(database_url: str) -> Any:
    application = create_app(make_settings(database_url, cors_allowed_origins=[
        "https://storyboard.example.org", "^https://.*\\.review\\.example\\.org$"]))
    yield application
    application.state.engine.dispose()


@pytest.fixture(scope="session")
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
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
