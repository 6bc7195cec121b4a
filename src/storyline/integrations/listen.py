"""`storyline gerrit listen`: Gerrit's stream-events, one JSON event per line, from a command (e.g.
`ssh -p 29418 bot@review.example.org gerrit stream-events`) or standard input.

Each line is handled in a transaction of its own: the delivery is recorded (deduplicated like a
webhook's, so a source may use both), the event applied, and the source's position (the events
plugin's event id, when events carry one; the time of the last event) saved, all at once. When the
command ends (the connection dropped), it is started again after a pause that doubles up to a minute;
when the events carry ids (the events plugin's `events stream --ids`), the command is given
`--resume-after <last id>` so that the events missed meanwhile are replayed, and the ones handled
before are skipped. A line that is not a JSON event is reported and skipped.
"""

from __future__ import annotations

import json
import logging
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from storyline.db import session_scope, utcnow
from storyline.errors import StorylineError
from storyline.integrations import events, receive
from storyline.integrations.models import IntegrationSource
from storyline.integrations.sources import Source

log = logging.getLogger("storyline.integrations.listen")


@dataclass
class Counts:
    handled: int = 0
    duplicates: int = 0
    skipped: int = 0  # not JSON events
    failed: int = 0
    connections: int = 0
    outcomes: list[str] = field(default_factory=list)


class Listener:
    def __init__(self, sessions: sessionmaker[Session], source: Source, *, command: str | None = None,
                 stdin: IO[str] | None = None, reconnect_delay: float = 1.0, max_delay: float = 60.0,
                 max_reconnects: int | None = None, say: Callable[[str], None] | None = None) -> None:
        self.sessions = sessions
        self.source = source
        self.command = shlex.split(command) if command else None
        self.stdin = stdin if stdin is not None else sys.stdin
        self.reconnect_delay = reconnect_delay
        self.max_delay = max_delay
        self.max_reconnects = max_reconnects
        self.say = say or (lambda line: print(line, flush=True))
        self.counts = Counts()
        self.process: subprocess.Popen[str] | None = None
        with session_scope(sessions) as session:
            row = session.get(IntegrationSource, source.id)
            self.resume_after = row.resume_after if row is not None else None

    # ---- one line ----------------------------------------------------------------------------------

    def handle_line(self, line: str, number: int) -> None:
        body = line.strip().encode()
        if not body:
            return
        try:
            event, key = events.gerrit(events.loads(body), body)
        except StorylineError as exc:
            self.counts.skipped += 1
            self.say(f"line {number}: skipped: {exc.field + ': ' if exc.field else ''}{exc.message}")
            return
        try:
            with session_scope(self.sessions) as session:
                outcome = self._handle(session, event, key)
        except Exception as exc:  # noqa: BLE001 - one event that fails must not stop the stream: recorded, reported
            self.counts.failed += 1
            why = exc.message if isinstance(exc, StorylineError) else f"{type(exc).__name__}: {exc}"
            log.exception("%s: event on line %s failed", self.source.name, number, exc_info=exc)
            self.say(f"line {number}: {event['type']}: not handled: {why}")
            self._record_failure(event, key, why)
            return
        if outcome is None:
            self.counts.duplicates += 1
            self.say(f"line {number}: {event['type']}: already handled")
        else:
            self.counts.handled += 1
            self.say(f"line {number}: {event['type']}: {outcome}")
        if event.get("event_id"):
            self.resume_after = event["event_id"]

    def _handle(self, session: Session, event: dict[str, Any], key: str) -> str | None:
        delivery_id = receive.record(session, self.source, key, event)
        position: dict[str, Any] = {"last_event_at": utcnow()}
        if event.get("event_id"):
            position["resume_after"] = event["event_id"]
        session.execute(update(IntegrationSource).where(IntegrationSource.id == self.source.id).values(**position))
        if delivery_id is None:
            return None
        return receive.handle(session, self.source, delivery_id, event, time.time())

    def _record_failure(self, event: dict[str, Any], key: str, why: str) -> None:
        """The failed event is recorded as handled (with its error), so that a restart goes past it."""
        with session_scope(self.sessions) as session:
            delivery_id = receive.record(session, self.source, key, event)
            if delivery_id is not None:
                receive.note(session, delivery_id, f"failed: {why}")

    def consume(self, lines: Iterable[str]) -> None:
        for number, line in enumerate(lines, 1):
            self.handle_line(line, number)

    # ---- the stream ----------------------------------------------------------------------------------

    def argv(self) -> list[str]:
        assert self.command is not None
        if self.resume_after and "--resume-after" not in self.command:
            return [*self.command, "--resume-after", self.resume_after]
        return list(self.command)

    def run(self) -> Counts:
        if self.command is None:
            self.consume(self.stdin)
            return self.counts
        delay = self.reconnect_delay
        reconnects = 0
        while True:
            argv = self.argv()
            self.counts.connections += 1
            self.say(f"connecting: {' '.join(shlex.quote(a) for a in argv)}")
            started = time.monotonic()
            self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                                            encoding="utf-8", errors="replace", bufsize=1)
            try:
                assert self.process.stdout is not None
                self.consume(self.process.stdout)
            finally:
                code = self.stop_process()
            self.say(f"the stream ended (exit status {code})")
            if self.max_reconnects is not None and reconnects >= self.max_reconnects:
                return self.counts
            reconnects += 1
            if time.monotonic() - started > 60:
                delay = self.reconnect_delay  # it had been up a while: a fresh drop, not a failing server
            self.say(f"reconnecting in {delay:g} s")
            time.sleep(delay)
            delay = min(self.max_delay, delay * 2)

    def stop_process(self) -> int | None:
        proc, self.process = self.process, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        return proc.wait()


def summary(counts: Counts) -> str:
    return json.dumps({"handled": counts.handled, "duplicates": counts.duplicates, "skipped": counts.skipped,
                       "failed": counts.failed, "connections": counts.connections})


__all__ = ["Counts", "Listener", "summary"]
