"""A real HTTP receiver of webhooks on loopback (http.server in a thread) that checks each delivery's
signature, and answers what a test asks for (a status per path, a number of failures first, a delay),
and a Storyline app that delivers to it, on a database of its own per backend (so no other app of the
test process delivers its outbox with other settings)."""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from builders import Api, Persona, make_persona, make_settings, uniq
from fastapi.testclient import TestClient
from migrated import like

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notifications"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mailserver import Mailbox, smtp  # noqa: E402, F401

from storyline.app import create_app  # noqa: E402


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    status: int  # what the receiver answered

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Deliveries by path (one path per hook). `secrets[path]` checks signatures; `fail[path]` answers that
    many requests with `fail_status` first; `always_fail` paths never succeed; a request to a path in `hold`
    is recorded at once but answered only when its event is set (a sender stuck in the request)."""

    port: int = 0
    secrets: dict[str, str] = field(default_factory=dict)
    fail: dict[str, int] = field(default_factory=dict)
    always_fail: set[str] = field(default_factory=set)
    hold: dict[str, threading.Event] = field(default_factory=dict)
    fail_status: int = 503
    got: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def path(self, secret: str | None = None) -> str:
        path = f"/{uniq('hook')}"
        if secret is not None:
            self.secrets[path] = secret
        return path

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        secret = self.secrets.get(path, "")
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, headers.get("x-storyline-signature-256", ""))
        with self.lock:
            if path in self.always_fail:
                status = self.fail_status
            elif self.fail.get(path, 0) > 0:
                self.fail[path] -= 1
                status = self.fail_status
            else:
                status = 204 if ok else 401
            self.got.append(Delivery(path, headers, body, ok, status))
            held = self.hold.pop(path, None)
        if held is not None:
            held.wait(30)
        return status

    def at(self, path: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.got if d.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.at(path)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{path} got {len(self.at(path))} deliveries within {timeout} s, not {count}")


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = receiver.handle(self.path, headers, body)
            answer = b"" if status == 204 else b"not now"
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender is gone (killed mid-request, or it gave up waiting)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
            pass

    return Handler


@pytest.fixture(scope="module", name="receiver")
def receiver_fixture() -> Iterator[Receiver]:
    box = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    box.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


def own_database(database_url: str, pg: Any, tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    """A migrated database of the test module's own, on the backend of `database_url`."""
    return like(database_url, pg, tmp_path_factory.mktemp(name), uniq(f"storyline_{name}"))


@pytest.fixture(scope="module", name="hook_db")
def hook_db_fixture(database_url: str, pg: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    return own_database(database_url, pg, tmp_path_factory, "hooks")


MAX_FAILURES = 4
MAX_ATTEMPTS = 3


@dataclass
class HookApp:
    app: Any
    client: TestClient
    api: Api
    admin: Persona
    receiver: Receiver
    smtp: Mailbox

    def persona(self, **kw: Any) -> Persona:
        return make_persona(self.app, **kw)


@pytest.fixture(scope="module", name="hook_app")
def hook_app_fixture(hook_db: str, receiver: Receiver, smtp: Mailbox) -> Iterator[HookApp]:  # noqa: F811
    app = create_app(make_settings(hook_db, base_url="https://storyline.test", smtp_host="127.0.0.1",
                                   smtp_port=smtp.port, outbox_max_attempts=MAX_ATTEMPTS, outbox_retry_base=0.1,
                                   webhook_max_failures=MAX_FAILURES, webhook_timeout=2.0,
                                   worker_in_process=True, worker_interval=3600))
    with TestClient(app, raise_server_exceptions=False) as client:
        admin = make_persona(app, superuser=True, name="Hook Admin")
        yield HookApp(app, client, Api(client, admin), admin, receiver, smtp)
    app.state.engine.dispose()
