"""Preview: the audit log of a story's visibility, and disclosure (one story or an advisory's)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, json_response, paginate, paging, ts
from storyline.api.deps import PolicyDep, SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, get_story, require_user
from storyline.schemas import DbId, In, Out
from storyline.security import accounts
from storyline.security.disclosure import do_disclose
from storyline.security.models import StoryAudit
from storyline.security.service import SecurityPolicy
from storyline.stories.schemas import StoryOut
from storyline.stories.serialize import stories_json

PREVIEW = "Preview: not yet stable; may change without notice."
router = Router(tags=["preview"])
SORT = {c.key: c for c in StoryAudit.__table__.columns}


class AuditOut(Out):
    id: int
    created_at: str
    story_id: int
    actor_id: int | None
    action: str
    field: str | None
    old_value: Any
    new_value: Any


class DiscloseIn(In):
    story_ids: list[DbId] = Field(min_length=1, max_length=100)


def audit_json(a: StoryAudit) -> dict[str, Any]:
    return {"id": a.id, "created_at": ts(a.created_at), "story_id": a.story_id, "actor_id": a.actor_id,
            "action": a.action, "field": a.field,
            "old_value": None if a.old_value is None else json.loads(a.old_value),
            "new_value": None if a.new_value is None else json.loads(a.new_value)}


@router.get("/stories/{story_id}/audit", responses={200: {"model": list[AuditOut]}},
            summary="Audit log of a story's visibility (preview)", description=PREVIEW)
def story_audit(story_id: int, p: Paging = Depends(paging), session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    story = get_story(session, viewer, story_id)
    page = paginate(session, select(StoryAudit).where(StoryAudit.story_id == story.id),
                    id_column=StoryAudit.id, sort_columns=SORT, params=p)
    return json_response([audit_json(a) for a in page.rows], page.headers)


@router.post("/stories/{story_id}/recover", responses={200: {"model": StoryOut}},
             summary="A superuser joins a private story's access list, audited (preview)",
             description=PREVIEW + " For a private story nobody who should see it can: the superuser is "
             "added to its access list, the audit log records `superuser_recovery`, and everyone on the list "
             "gets an inbox entry `story_access_recovered`. 400 for a public story or one the caller sees.")
def recover(story_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    story = accounts.recover_access(session, viewer, story_id)
    return json_response(stories_json(session, viewer, [story])[0])


@router.post("/stories/{story_id}/disclose", responses={200: {"model": StoryOut}},
             summary="Make a private story public now (preview)", description=PREVIEW)
def disclose_one(story_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep,
                 policy: SecurityPolicy = PolicyDep) -> JSON:
    require_user(viewer)
    stories = do_disclose(session, viewer, [story_id], policy)
    return json_response(stories_json(session, viewer, stories)[0])


@router.post("/stories/disclose", responses={200: {"model": list[StoryOut]}},
             summary="Disclose several stories at once, all or nothing (preview)", description=PREVIEW)
def disclose_many(body: DiscloseIn, session: Session = SessionDep, viewer: Viewer = ViewerDep,
                  policy: SecurityPolicy = PolicyDep) -> JSON:
    require_user(viewer)
    stories = do_disclose(session, viewer, body.story_ids, policy)
    return json_response(stories_json(session, viewer, stories))
