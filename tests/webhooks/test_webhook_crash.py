"""A sender killed (SIGKILL) in the middle of a request: once its lease has run out the delivery is sent
again, with the same delivery id and the same bytes, and logged once as delivered. Nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from builders import Api, make_persona, make_settings
from fastapi.testclient import TestClient
from receiver import Receiver, own_database, receiver_fixture  # noqa: F401 (the fixture `receiver`)
from sqlalchemy import func, select

from storyline import outbox
from storyline.app import create_app
from storyline.webhooks.delivery import send_webhook  # noqa: F401  (registers the handler in this process)

ROOT = Path(__file__).resolve().parents[2]
# One pass of the external lane with a one-second lease, in a process of its own.
SENDER = textwrap.dedent("""
    import sys
    from storyline import outbox
    from storyline.config import Settings
    from storyline.db import make_engine, make_sessionmaker
    import storyline.models, storyline.webhooks.delivery  # noqa: F401
    settings = Settings(database_url=sys.argv[1], webhook_timeout=30.0)
    engine = make_engine(settings.database_url)
    outbox.Policy.configure(lease=1.0)
    print("sending", flush=True)
    outbox.deliver_external(make_sessionmaker(engine, write=True, info={"settings": settings}),
                            make_sessionmaker(engine, write=False, info={"settings": settings}))
    print("done", flush=True)
""")


@pytest.fixture(scope="module")
def quiet_app(database_url: str, pg: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An app whose external lane does not run (no worker in process): the test's own senders do."""
    url = own_database(database_url, pg, tmp_path_factory, "hookcrash")
    app = create_app(make_settings(url, base_url="https://storyline.test"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client, url
    app.state.engine.dispose()


def test_a_sender_killed_mid_request_is_repeated_with_the_same_delivery_id(quiet_app: Any, receiver: Receiver):
    app, client, url = quiet_app
    admin = make_persona(app, superuser=True)
    api = Api(client, admin)
    project = api.project()
    path = receiver.path()
    hook = api.ok("POST", "/preview/webhooks", json={"url": receiver.url(path), "project_id": project["id"],
                                                      "event_types": ["user_comment"]})
    receiver.secrets[path] = hook["secret"]
    story = api.story()
    api.task(story["id"], project["id"])
    api.ok("POST", f"/v1/stories/{story['id']}/comments", json={"content": "sent twice, handled once"})
    api.ok("GET", "/v1/subscription_events")  # the local lane has queued the delivery

    release = threading.Event()
    receiver.hold[path] = release
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen([sys.executable, "-c", SENDER, url], env=env, stdout=subprocess.PIPE, text=True)
    try:
        [first] = receiver.wait_for(path, 1, timeout=60)
        child.send_signal(signal.SIGKILL)  # between the receiver's reading and its answer
        child.wait(10)
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    time.sleep(2.1)  # the dead sender's lease runs out (timestamps are whole seconds)
    done, failed = outbox.deliver_external(app.state.write_sessions, app.state.read_sessions)
    assert (done, failed) == (1, 0)
    first, second = receiver.at(path)
    assert second.headers["x-storyline-delivery"] == first.headers["x-storyline-delivery"]
    assert second.body == first.body and second.signature_ok and second.status == 204
    [entry] = api.ok("GET", f"/preview/webhooks/{hook['id']}/deliveries")
    assert entry["guid"] == first.headers["x-storyline-delivery"]
    assert entry["status"] == "delivered" and entry["attempts"] == 1
    with app.state.read_sessions() as session:
        assert session.execute(select(func.count()).select_from(outbox.OutboxRow)).scalar() == 0
