"""/v1/events and /v1/stories/{story_id}/events"""

from __future__ import annotations

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, json_response, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, get_story
from storyline.stories import queries
from storyline.stories.models import Event
from storyline.stories.schemas import EventOut
from storyline.stories.serialize import events_json
from storyline.timeline import EVENT_TYPES

router = Router(tags=["events"])
TYPES_DOC = "Any of: " + ", ".join(EVENT_TYPES)


def _list(request: Request, session: Session, stmt, p: Paging) -> JSON:  # type: ignore[no-untyped-def]
    page = paginate(session, stmt, id_column=Event.id, sort_columns=queries.EVENT_SORT, params=p,
                    cap=request.app.state.settings.max_page_size)
    return json_response(events_json(session, page.rows), page.headers)


@router.get("/events", responses={200: {"model": list[EventOut]}})
def list_events(request: Request, story_id: int | None = None, worklist_id: int | None = None,
                board_id: int | None = None, event_type: list[str] | None = Query(None, description=TYPES_DOC),
                p: Paging = Depends(paging), session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    stmt = queries.events_select(viewer, story_id=story_id, worklist_id=worklist_id, board_id=board_id,
                                 event_type=event_type)
    return _list(request, session, stmt, p)


@router.get("/events/{event_id}", responses={200: {"model": EventOut}})
def get_event(event_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(events_json(session, [queries.get_event(session, viewer, event_id)])[0])


@router.get("/stories/{story_id}/events", responses={200: {"model": list[EventOut]}})
def list_story_events(request: Request, story_id: int,
                      event_type: list[str] | None = Query(None, description=TYPES_DOC),
                      p: Paging = Depends(paging), session: Session = SessionDep,
                      viewer: Viewer = ViewerDep) -> JSON:
    get_story(session, viewer, story_id)
    stmt = queries.events_select(viewer, story_id=story_id, event_type=event_type)
    return _list(request, session, stmt, p)


@router.get("/stories/{story_id}/events/{event_id}", responses={200: {"model": EventOut}})
def get_story_event(story_id: int, event_id: int, session: Session = SessionDep,
                    viewer: Viewer = ViewerDep) -> JSON:
    get_story(session, viewer, story_id)
    return json_response(events_json(session, [queries.get_event(session, viewer, event_id, story_id)])[0])
