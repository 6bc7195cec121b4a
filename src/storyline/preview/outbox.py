"""Preview: the outbox seen by superusers: what waits, what failed for good (parked), and sending it again."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from storyline import outbox
from storyline.api.common import JSON, json_response, ts
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.outbox.admin import listing_as, retry_as
from storyline.schemas import DbId, In, Out

PREVIEW = "Preview: not yet stable; may change without notice. Superusers only."
router = Router(tags=["preview"])


class OutboxRowOut(Out):
    id: int
    kind: str
    created_at: str
    attempts: int
    last_error: str | None
    next_attempt_at: str | None
    parked_at: str | None
    summary: dict[str, Any]


class OutboxOut(Out):
    counts: dict[str, dict[str, int]]
    rows: list[OutboxRowOut]


class RetryIn(In):
    ids: list[DbId] | None = Field(None, max_length=1000, description="Parked rows to send again; none: all of them")


class RetryOut(Out):
    retried: int


# What a row's payload may show a superuser: who and what it is about, never a story's text.
_SUMMARY_KEYS = ("type", "user_id", "story_id", "task_id", "event_type", "event_id", "hook_id", "mode")


def row_json(row: outbox.OutboxRow) -> dict[str, Any]:
    payload = json.loads(row.payload)
    return {"id": row.id, "kind": row.kind, "created_at": ts(row.created_at), "attempts": row.attempts,
            "last_error": row.last_error, "next_attempt_at": ts(row.next_attempt_at) if row.next_attempt_at else None,
            "parked_at": ts(row.parked_at) if row.parked_at else None,
            "summary": {k: payload[k] for k in _SUMMARY_KEYS if k in payload}}


@router.get("/outbox", responses={200: {"model": OutboxOut}}, summary="The outbox: pending and parked rows (preview)",
            description=PREVIEW + " `parked=false` lists rows still waiting (being retried), `parked=true` (the "
            "default) the rows that failed for good, with their last error.")
def list_outbox(parked: bool = True, kind: str | None = None, limit: int = 100, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    counts, rows = listing_as(session, viewer, parked=parked, kind=kind, limit=max(1, min(limit, 500)))
    return json_response({"counts": counts, "rows": [row_json(r) for r in rows]})


@router.post("/outbox/retry", responses={200: {"model": RetryOut}}, summary="Send parked rows again (preview)",
             description=PREVIEW)
def retry_outbox(body: RetryIn, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response({"retried": retry_as(session, viewer, body.ids)})
