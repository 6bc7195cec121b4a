"""Deliveries are remembered for deduplication for DELIVERY_DAYS, then the worker's pass forgets them;
the worker process (which delivers the outbox too) knows the integration's outbox handler."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from typing import Any

import payloads as p
from builders import make_settings
from conftest import deliveries, drain, post_gerrit
from fastapi.testclient import TestClient
from sqlalchemy import update

from storyline.db import session_scope, utcnow
from storyline.integrations.models import IntegrationDelivery
from storyline.integrations.receive import DELIVERY_DAYS
from storyline.worker import run_pass


def test_old_deliveries_are_forgotten_by_the_worker(client: TestClient, app: Any, gerrit: Any,
                                                    database_url: str) -> None:
    for i in range(2):
        event = p.gerrit_event("patchset-created", p.gerrit_change(4000 + i, "nowhere/repo", "x"))
        assert post_gerrit(client, gerrit, event).json()["status"] == "accepted"
    drain(app)
    old = utcnow() - dt.timedelta(days=DELIVERY_DAYS + 1)
    with session_scope(app.state.write_sessions) as session:
        first = min(session.query(IntegrationDelivery.id).filter(IntegrationDelivery.source_id == gerrit.source_id))[0]
        session.execute(update(IntegrationDelivery).where(IntegrationDelivery.id == first).values(received_at=old))
    result = run_pass(app.state.write_sessions, make_settings(database_url))
    assert result.get("integration_deliveries_pruned", 0) >= 1
    assert deliveries(app, gerrit) == 1


def test_the_worker_process_knows_the_outbox_handler() -> None:
    code = "import storyline.worker, storyline.outbox as o; print('integration' in o.HANDLERS)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "True"
