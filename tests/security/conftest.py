"""Fixtures for the security tests: a Storyline app on its own freshly migrated database per module.

The security tests count rows and compare whole collections, so they arrange their own world on an
empty database (on the same backend as the rest of the run) instead of sharing the session database
with the other tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from migrated import like
from security_vmt import VMT_TEAM

from storyline.app import create_app
from storyline.config import Settings

# The configured vulnerability management team (setting `vmt_team`, security_vmt.py). The worker
# (scheduled disclosures) does not run in the background: nothing may change the world behind the
# matrix's back.


@pytest.fixture(scope="module")
def fresh_app(request: pytest.FixtureRequest, database_url: str, pg: Any,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    name = "sec_" + request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    url = like(database_url, pg, tmp_path_factory.mktemp(name), f"storyline_{name}")
    app = create_app(Settings(database_url=url, vmt_team=VMT_TEAM, worker_in_process=False))
    yield app
    app.state.engine.dispose()
