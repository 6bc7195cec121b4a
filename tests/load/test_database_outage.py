"""A PostgreSQL outage under a real `storyline serve`: quick 503s with Retry-After, never a hang or a
500, the client's connection kept, one log line per change of state, recovery on its own."""

from __future__ import annotations

import http.client
import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from builders import BACKENDS  # noqa: E402
from pgserver import PostgresServer  # noqa: E402

from benchmarks.servers import OurServer  # noqa: E402

# The longest a request may take to be answered during an outage: the watcher declares the database
# down after 3 s without an answer, and requests waiting on it are told within a second.
ANSWER_WITHIN = 8.0


class KeepAlive:
    """One HTTP connection that is never reopened: if the server closed it, requests fail."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: object = None) -> tuple[int, dict[str, str], bytes, float]:
        t0 = time.monotonic()
        self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=self.headers)
        resp = self.conn.getresponse()
        payload = resp.read()
        assert not resp.will_close, f"{method} {path}: the server closed the connection"
        return resp.status, dict(resp.getheaders()), payload, time.monotonic() - t0


def _expect_outage(c: KeepAlive) -> None:
    for method, path, body in [("GET", "/v1/projects", None), ("GET", "/v1/stories?limit=5", None),
                               ("POST", "/v1/stories", {"title": "during the outage"}),
                               ("GET", "/v1/users/self", None)]:
        status, headers, payload, seconds = c.call(method, path, body)
        assert status == 503, (method, path, status, payload[:300])
        assert int(headers["retry-after"]) > 0
        assert b"retry" in payload.lower()
        assert seconds < ANSWER_WITHIN, (method, path, seconds)
    status, _, _, seconds = c.call("GET", "/readyz")
    assert status == 503 and seconds < ANSWER_WITHIN
    assert c.call("GET", "/healthz")[0] == 200


def _until_recovered(c: KeepAlive) -> None:
    deadline = time.monotonic() + 30
    while True:
        status, _, payload, _ = c.call("GET", "/v1/projects")
        if status == 200:
            break
        assert status == 503, payload[:300]
        assert time.monotonic() < deadline, "no recovery within 30 s"
        time.sleep(0.5)
    assert c.call("GET", "/readyz")[0] == 200
    status, _, payload, _ = c.call("POST", "/v1/stories", {"title": "after the outage"})
    assert status == 200, payload[:300]


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"])
def test_database_down_or_frozen_answers_503_within_seconds(backend: str) -> None:
    pg = PostgresServer().start()
    server = None
    try:
        server = OurServer(db=backend, database_url=pg.create_database("outage"))
        target = server.start()
        c = KeepAlive(target.port, target.token)
        assert c.call("GET", "/readyz")[0] == 200
        assert c.call("POST", "/v1/stories", {"title": "before the outage"})[0] == 200

        pg.halt()                      # down: connections refused
        _expect_outage(c)
        _expect_outage(c)              # still down: still quick
        pg.resume()
        _until_recovered(c)

        pg.freeze()                    # frozen: connections accepted, nothing answered
        try:
            _expect_outage(c)
        finally:
            pg.freeze(False)
        _until_recovered(c)

        log = server.log.read_text()
        assert "Traceback" not in log, log[log.find("Traceback") - 300:][:3000]
        assert log.count("database unavailable") <= 4, log[-3000:]
        assert log.count("database reachable again") >= 2
    finally:
        if server is not None:
            server.stop()
        pg.stop()
