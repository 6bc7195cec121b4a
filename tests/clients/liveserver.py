"""A real HTTP server for the client tests: uvicorn in a thread of the test process, serving
`create_app(make_settings(url))` on a free loopback port over the suite's database of each backend
(the `database_url` fixture of tests/conftest.py, so SQLite and PostgreSQL both)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from builders import (  # noqa: E402
    Persona,
    make_persona,
    make_settings,  # noqa: E402
)

from benchmarks.servers import free_port  # noqa: E402
from storyline.app import create_app  # noqa: E402


@dataclass
class LiveServer:
    base: str  # http://127.0.0.1:<port>
    app: Any
    admin: Persona

    @property
    def api(self) -> str:
        return f"{self.base}/api/v1"

    def persona(self, **kw: Any) -> Persona:
        """A new user with a token (made as the CLI makes them)."""
        return make_persona(self.app, **kw)


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[LiveServer]:
    app = create_app(make_settings(database_url))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name=f"live-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server thread ended before it was listening"
        assert time.monotonic() < deadline, "the server did not start listening within 30 s"
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, make_persona(app, superuser=True, name="Client Admin"))
    finally:
        server.should_exit = True
        thread.join(15)
        app.state.engine.dispose()
