"""The background worker: scheduled disclosures, embargo expiry, the stale-work sweep, unused attachment
content, e-mail digests.

`storyline worker` runs it as its own process (several API processes on PostgreSQL: run one or more
workers; due rows are claimed with FOR UPDATE SKIP LOCKED). In the embedded mode `storyline serve`
runs it in a thread of the server process (setting `worker_in_process`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from storyline.attachments.service import delete_unused_blobs
from storyline.config import Settings
from storyline.db import DATABASE_UNAVAILABLE, session_scope, utcnow
from storyline.integrations.receive import prune_deliveries  # also registers the outbox handler "integration"
from storyline.notifications.digest import run_due as run_digests
from storyline.planning.stale_service import sweep as sweep_stale
from storyline.security.disclosure import run_due
from storyline.security.service import SecurityPolicy

log = logging.getLogger("storyline.worker")


def policy_of(settings: Settings) -> SecurityPolicy:
    return SecurityPolicy(vmt_team=settings.vmt_team, embargo_max_days=settings.embargo_max_days)


def run_pass(write_sessions: Any, settings: Settings) -> dict[str, int]:
    """One pass over every job, in one transaction."""
    result: dict[str, int] = {}
    with session_scope(write_sessions) as session:
        result = run_due(session, policy_of(settings))
        # Stale-work counts are reported when the sweep changed something.
        result.update({k: v for k, v in sweep_stale(session).items() if v})
        # The content of attachments whose story was deleted (ON DELETE CASCADE took their rows).
        if blobs := delete_unused_blobs(session):
            result["attachment_blobs_deleted"] = blobs
        # E-mail digests that fell due (queued in the outbox; sent by its external lane).
        if digests := run_digests(session, settings, utcnow()):
            result["digests_queued"] = digests
        # Code review deliveries remembered for deduplication, after DELIVERY_DAYS.
        if pruned := prune_deliveries(session, utcnow()):
            result["integration_deliveries_pruned"] = pruned
    return result


class WorkerThread(threading.Thread):
    def __init__(self, write_sessions: Any, settings: Settings) -> None:
        super().__init__(name="storyline-worker", daemon=True)
        self.write_sessions = write_sessions
        self.settings = settings
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                result = run_pass(self.write_sessions, self.settings)
                if any(result.values()):
                    log.info("worker pass: %s", result)
            except DATABASE_UNAVAILABLE as exc:  # an outage: the API's health watcher logs it
                log.warning("worker pass skipped, the database is not available: %s",
                            str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200])
            except Exception:  # a failed pass is retried at the next tick; nothing was committed
                log.exception("worker pass failed")
            self.stopping.wait(self.settings.worker_interval)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
