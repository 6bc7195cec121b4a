"""A real SMTP server on loopback (aiosmtpd) and a Storyline app that mails through it, on a database
of its own per backend (so no other app of the test process delivers its outbox with other settings)."""

from __future__ import annotations

import email
import email.policy
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from builders import Api, Persona, make_persona, make_settings, uniq
from fastapi.testclient import TestClient
from migrated import like

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.servers import free_port  # noqa: E402
from storyline.app import create_app  # noqa: E402


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """What the SMTP server accepted; `refuse` holds addresses it answers 550 (a permanent refusal)."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Any = None

    def down(self) -> None:
        """The mail server stops (connections kept open are closed)."""
        self.controller.stop()

    def up(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received if address in r.envelope_to]

    def wait_for(self, address: str, count: int = 1, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{address} got {len(self.to(address))} e-mails within {timeout} s, not {count}")


@pytest.fixture(scope="module")
def smtp() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    box.up()
    try:
        yield box
    finally:
        box.down()


@pytest.fixture(scope="module")
def mail_db(database_url: str, pg: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    return like(database_url, pg, tmp_path_factory.mktemp("maildb"), uniq("storyline_mail"))


@dataclass
class MailApp:
    app: Any
    client: TestClient
    api: Api
    admin: Persona
    smtp: Mailbox

    def persona(self, **kw: Any) -> Persona:
        return make_persona(self.app, **kw)


@pytest.fixture(scope="module")
def mail_app(mail_db: str, smtp: Mailbox) -> Iterator[MailApp]:
    app = create_app(make_settings(mail_db, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                   base_url="https://storyline.test", mail_reply_domain="reply.storyline.test",
                                   worker_in_process=True, worker_interval=3600))
    with TestClient(app, raise_server_exceptions=False) as client:
        admin = make_persona(app, superuser=True, name="Mail Admin")
        yield MailApp(app, client, Api(client, admin), admin, smtp)
    app.state.engine.dispose()

