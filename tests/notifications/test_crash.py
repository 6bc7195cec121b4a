"""The delivery guarantee, tried as a crash would: `storyline worker` (the process that sends e-mail) is
killed with SIGKILL in the middle of its batches, again and again, while comments keep coming. Every
e-mail due is delivered in the end (0 lost); a message is repeated only when the kill fell between
the SMTP server's acceptance and the outbox row's deletion, and then with the same Message-ID, so the
receiver sees it is the same message (at most one per kill)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

from builders import Api, make_persona, make_settings, uniq
from fastapi.testclient import TestClient
from mailserver import Mailbox, mail_db  # noqa: F401  (a fixture)

from storyline.app import create_app

FOLLOWERS = 5
COMMENTS = 60
KILLS = 4


class SlowMailbox(Mailbox):
    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)  # a real relay takes a while: kills land mid-batch
        return await super().handle_DATA(server, session, envelope)


def test_worker_killed_mid_batch_loses_no_email(mail_db: str) -> None:
    from benchmarks.servers import free_port

    box = SlowMailbox(port=free_port())
    box.up()
    settings = make_settings(mail_db, smtp_host="127.0.0.1", smtp_port=box.port, base_url="https://crash.test",
                             worker_in_process=False)
    app = create_app(settings)
    env = dict(os.environ, STORYLINE_DATABASE_URL=mail_db, STORYLINE_SMTP_HOST="127.0.0.1",
               STORYLINE_SMTP_PORT=str(box.port), STORYLINE_BASE_URL="https://crash.test",
               STORYLINE_WORKER_INTERVAL="3600", STORYLINE_OUTBOX_LEASE="3")

    def start_worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "storyline.cli", "worker"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            admin = make_persona(app, superuser=True)
            api = Api(client, admin)
            author = make_persona(app)
            followers = [make_persona(app) for _ in range(FOLLOWERS)]
            project = api.project(uniq("crash-"))
            story = api.story(author, title="Crash test story")
            api.task(story["id"], project["id"], author)
            for f in followers:
                api.ok("POST", "/v1/subscriptions", f, json={"target_type": "story", "target_id": story["id"]})

            worker = start_worker()
            done = threading.Event()
            written: list[int] = []

            def load() -> None:
                for n in range(COMMENTS):
                    event = api.ok("POST", f"/v1/stories/{story['id']}/comments", author, json={"content": f"c{n}"})
                    written.append(event["id"])
                    time.sleep(0.02)
                done.set()

            writer = threading.Thread(target=load)
            writer.start()
            kills = 0
            while kills < KILLS:
                time.sleep(0.4)
                if len(box.received) == 0 and kills == 0:
                    continue
                os.kill(worker.pid, signal.SIGKILL)  # in the middle of whatever it was doing
                worker.wait(10)
                kills += 1
                worker = start_worker()
            writer.join(120)
            assert done.is_set() and len(written) == COMMENTS

            expected = {(f.email, event_id) for f in followers for event_id in written}
            deadline = time.monotonic() + 120  # the leases of the killed workers' claims (3 s) run out first
            while time.monotonic() < deadline:
                got = {(r.envelope_to[0], _event_of(r.message["Message-ID"])) for r in box.received}
                if expected <= got:
                    break
                time.sleep(0.2)
            worker.send_signal(signal.SIGTERM)
            worker.wait(20)
    finally:
        box.down()
        app.state.engine.dispose()

    ids = Counter((r.envelope_to[0], r.message["Message-ID"]) for r in box.received)
    got = {(to, _event_of(mid)) for to, mid in ids}
    missing = expected - got
    assert not missing, f"{len(missing)} e-mails lost, e.g. {sorted(missing)[:3]}"
    assert got == expected  # nothing else (no mail to the author, none invented)
    repeated = sum(n - 1 for n in ids.values())
    # A repetition keeps its Message-ID (so the receiver recognises it), and only a kill can cause one.
    assert repeated <= KILLS, f"{repeated} repeated deliveries for {KILLS} kills"
    print(f"{len(expected)} e-mails delivered across {KILLS} SIGKILLs; {repeated} repeated with the same Message-ID")


def _event_of(message_id: str) -> int:
    # <story-N.event-E.to-U@domain>
    return int(message_id.split(".event-")[1].split(".")[0])
