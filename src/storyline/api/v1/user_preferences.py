"""/v1/users/{user_id}/preferences: only the user themself, superusers included (403 otherwise)."""

from __future__ import annotations

from typing import Any

from fastapi import Body
from sqlalchemy.orm import Session

from storyline.api.common import JSON, IdPath, Responses, json_response
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.users import queries, service
from storyline.users.schemas import Preferences

router = Router(prefix="/users/{user_id}/preferences", tags=["user preferences"])

ONE: Responses = {200: {"model": Preferences}}


@router.get("", responses=ONE)
def get_preferences(user_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """The stored preferences merged over the defaults."""
    return json_response(queries.preferences_as(session, viewer, user_id))


@router.post("", responses=ONE)
def set_preferences(
    user_id: IdPath,
    body: dict[str, Any] = Body(
        ..., description="key -> value (string 1-255, bool or number); null deletes the key",
        examples=[{"page_size": 20, "plugin_email_enable": True, "story_detail_page_size": None}],
    ),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    """Upsert; returns the whole merged object."""
    service.do_set_preferences_as(session, viewer, user_id, body)
    return json_response(queries.preferences(session, user_id))
