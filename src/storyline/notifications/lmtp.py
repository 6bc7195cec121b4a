"""`storyline mail-in --lmtp HOST:PORT`: the reply-by-e-mail receiver as an LMTP server (aiosmtpd),
for an MTA that delivers to a local mail transport (Postfix `lmtp:`, Exim's lmtp transport)."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from sqlalchemy.orm import Session, sessionmaker

from storyline.config import Settings
from storyline.db import DATABASE_UNAVAILABLE
from storyline.notifications.mailin import EX_TEMPFAIL, Refused, receive, reply_token

log = logging.getLogger("storyline.mailin")


class ReplyHandler:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self.sessions = sessions
        self.settings = settings

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if reply_token(address, self.settings.mail_reply_domain) is None:
            return "550 5.1.1 not a reply address of this Storyline"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        try:
            accepted = await asyncio.to_thread(receive, self.sessions, self.settings, raw, list(envelope.rcpt_tos))
        except Refused as exc:
            temporary = exc.code == EX_TEMPFAIL
            log.info("reply refused: %s", exc)
            return f"{'451 4.3.0' if temporary else '550 5.7.1'} {exc}"
        except DATABASE_UNAVAILABLE:
            return "451 4.3.0 the database is not available, try again later"
        log.info("reply accepted: story %s, comment %s", accepted.story_id, accepted.comment_id)
        return "250 2.0.0 comment added" if accepted.comment_id else "250 2.0.0 received already"


class _LMTPController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, data_size_limit=10 * 1024 * 1024)


def serve_lmtp(sessions: sessionmaker[Session], settings: Settings, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    controller = _LMTPController(ReplyHandler(sessions, settings), hostname=host, port=port)
    controller.start()
    print(f"storyline mail-in: LMTP on {host}:{port}", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()


__all__ = ["ReplyHandler", "serve_lmtp"]
