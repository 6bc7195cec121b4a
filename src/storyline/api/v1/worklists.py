"""/v1/worklists: manual and automatic worklists, their cards, filters and permissions."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import (
    JSON,
    IdPath,
    Paging,
    Responses,
    json_response,
    loose_args,
    no_content,
    paginate,
    paging,
)
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, require_user
from storyline.planning import access, filter_service, queries, serialize
from storyline.planning import worklist_service as service
from storyline.planning.models import Worklist
from storyline.planning.schemas import (
    FilterIn,
    FilterOut,
    FilterUpdate,
    WorklistIn,
    WorklistItemOut,
    WorklistOut,
    WorklistUpdate,
)
from storyline.schemas import DbId

router = Router(prefix="/worklists", tags=["worklists"])

ONE: Responses = {200: {"model": WorklistOut}}
ITEM: Responses = {200: {"model": WorklistItemOut}}
FILTER: Responses = {200: {"model": FilterOut}}
ITEM_ARGS = {"parameters": [
    {"name": n, "in": "query", "required": False, "schema": {"type": t}, "description": d} for n, t, d in (
        ("item_id", "integer", "Story or task id (POST)"), ("item_type", "string", "story or task (POST)"),
        ("list_position", "integer", "Position in the list"),
        ("list_id", "integer", "Move the card to this list (PUT; rights needed on both lists)"),
        ("display_due_date", "integer", "Due date id shown on the card (PUT; -1 clears)"))
], "requestBody": {"required": False, "content": {"application/json": {"schema": {"type": "object"}}}}}
PERM_ARGS = {"requestBody": {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"codename": {"type": "string"}, "name": {"type": "string"},
                                     "users": {"type": "array", "items": {"type": "integer"}},
                                     "teams": {"type": "array", "items": {"type": "integer"}}}}}}}}


def _cap(request: Request) -> int:
    return int(request.app.state.settings.max_page_size)


def read_budget(request: Request, *, board: bool = False) -> serialize.Budget:
    return serialize.Budget.of_settings(request.app.state.settings, board=board)


def _one(request: Request, session: Session, viewer: Viewer, wl: Worklist) -> JSON:
    budget = read_budget(request)
    return json_response(serialize.worklists_json(session, viewer, [wl], resolve=True, budget=budget)[0],
                         budget.headers)


@router.get("", responses={200: {"model": list[WorklistOut]}})
def list_worklists(
    request: Request, title: str | None = None, creator_id: DbId | None = None,
    project_id: DbId | None = None, archived: bool = False, user_id: DbId | None = None,
    story_id: DbId | None = None, task_id: DbId | None = None,
    item_type: str | None = Query(None, description="story or task"),
    hide_lanes: bool = Query(True, description="Leave out worklists that are lanes of a board"),
    board_id: DbId | None = Query(None, description="That board's lanes (other filters ignored)"),
    subscriber_id: DbId | None = None, p: Paging = Depends(paging), session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    """Worklists the caller may see; items are not resolved (automatic lists' items are not computed)."""
    stmt = queries.worklists_select(
        viewer, title=title, creator_id=creator_id, project_id=project_id, archived=archived, user_id=user_id,
        story_id=story_id, task_id=task_id, item_type=item_type, hide_lanes=hide_lanes, board_id=board_id,
        subscriber_id=subscriber_id)
    page = paginate(session, stmt, id_column=Worklist.id, sort_columns=queries.WORKLIST_SORT, params=p,
                    cap=_cap(request))
    return json_response(serialize.worklists_json(session, viewer, page.rows, resolve=False), page.headers)


@router.get("/{worklist_id}", responses=ONE)
def get_worklist(request: Request, worklist_id: IdPath, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> JSON:
    return _one(request, session, viewer, access.get_worklist(session, viewer, worklist_id))


@router.post("", responses=ONE)
def create_worklist(request: Request, body: WorklistIn, session: Session = SessionDep,
                    viewer: Viewer = ViewerDep) -> JSON:
    """The creator is the default owner; answers 200."""
    require_user(viewer)
    wl = service.do_create_worklist(session, viewer, body.model_dump())
    return _one(request, session, viewer, wl)


@router.put("/{worklist_id}", responses=ONE)
def update_worklist(request: Request, worklist_id: IdPath, body: WorklistUpdate, session: Session = SessionDep,
                    viewer: Viewer = ViewerDep) -> JSON:
    """Needs the edit permission; items and filters in the body are ignored."""
    wl = access.get_worklist(session, viewer, worklist_id)
    return _one(request, session, viewer, service.do_update_worklist(session, viewer, wl, body.changes()))


@router.delete("/{worklist_id}", status_code=204, response_class=Response)
def delete_worklist(worklist_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> Response:
    """Archives the worklist."""
    service.do_archive_worklist(session, viewer, access.get_worklist(session, viewer, worklist_id))
    return no_content()


# ---- items ----------------------------------------------------------------------------------------

@router.get("/{worklist_id}/items", responses={200: {"model": list[WorklistItemOut]}})
def list_items(request: Request, worklist_id: IdPath, session: Session = SessionDep,
               viewer: Viewer = ViewerDep) -> JSON:
    """The cards the caller may see, archived ones too (after the others, `archived: true`, as StoryBoard
    lists them; automatic lists: computed from the filters); X-Total counts them."""
    wl = access.get_worklist(session, viewer, worklist_id)
    filters, criteria = queries.load_filters(session, [wl.id])
    budget = read_budget(request)
    items = serialize.list_items(session, viewer, wl, filters.get(wl.id, []), criteria, budget, archived=True)
    serialize.resolve_items(session, viewer, items)
    return json_response(items, {"X-Total": str(len(items)), **budget.headers})


def _item(session: Session, viewer: Viewer, card: Any) -> JSON:
    d = serialize.item_json(card, serialize.visible_rank(session, viewer, card))
    serialize.resolve_items(session, viewer, [d])
    return json_response(d)


@router.post("/{worklist_id}/items", responses=ITEM, openapi_extra=ITEM_ARGS)
def add_item(worklist_id: IdPath, args: dict[str, Any] = Depends(loose_args), session: Session = SessionDep,
             viewer: Viewer = ViewerDep) -> JSON:
    """`item_id`, `item_type`, `list_position` from the query or a JSON body; edit or move permission."""
    require_user(viewer)
    wl = access.get_worklist(session, viewer, worklist_id)
    return _item(session, viewer, service.do_add_item(session, viewer, wl, args))


@router.put("/{worklist_id}/items/{item_id}", responses=ITEM, openapi_extra=ITEM_ARGS)
def update_item(worklist_id: IdPath, item_id: IdPath, args: dict[str, Any] = Depends(loose_args),
                session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """`list_position`, `list_id` (move to another list), `display_due_date` (-1 clears)."""
    require_user(viewer)
    wl = access.get_worklist(session, viewer, worklist_id)
    card = service.get_card(session, viewer, wl, item_id)
    return _item(session, viewer, service.do_update_item(session, viewer, wl, card, args))


@router.delete("/{worklist_id}/items/{item_id}", status_code=204, response_class=Response)
def delete_item(worklist_id: IdPath, item_id: IdPath, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> Response:
    """Archives the card."""
    require_user(viewer)
    wl = access.get_worklist(session, viewer, worklist_id)
    service.do_remove_item(session, viewer, wl, service.get_card(session, viewer, wl, item_id))
    return no_content()


# ---- permissions ----------------------------------------------------------------------------------

@router.get("/{worklist_id}/permissions", responses={200: {"model": list[str]}})
def get_permissions(worklist_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """The permission codenames the caller holds on the worklist."""
    wl = access.get_worklist(session, viewer, worklist_id)
    return json_response(access.worklist_codenames(session, viewer, wl))


@router.post("/{worklist_id}/permissions", responses={200: {"model": str}}, openapi_extra=PERM_ARGS)
def add_permission(worklist_id: IdPath, args: dict[str, Any] = Depends(loose_args),
                   session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """`{codename, users, teams?, name?}`: adds members to that permission; answers the codename."""
    require_user(viewer)
    wl = access.get_worklist(session, viewer, worklist_id)
    return json_response(service.do_add_permission(session, viewer, wl, args))


@router.put("/{worklist_id}/permissions", responses={200: {"model": str}}, openapi_extra=PERM_ARGS)
def replace_permission(worklist_id: IdPath, args: dict[str, Any] = Depends(loose_args),
                       session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """`{codename, users, teams?}`: the permission's members become exactly these; answers the codename."""
    require_user(viewer)
    wl = access.get_worklist(session, viewer, worklist_id)
    return json_response(service.do_replace_permission(session, viewer, wl, args))


# ---- filters --------------------------------------------------------------------------------------

@router.get("/{worklist_id}/filters", responses={200: {"model": list[FilterOut]}})
def list_filters(worklist_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    wl = access.get_worklist(session, viewer, worklist_id)
    filters, criteria = queries.load_filters(session, [wl.id])
    data = [serialize.filter_json(f, criteria.get(f.id, [])) for f in filters.get(wl.id, [])]
    return json_response(data, {"X-Total": str(len(data))})


@router.get("/{worklist_id}/filters/{filter_id}", responses=FILTER)
def get_filter(worklist_id: IdPath, filter_id: IdPath, session: Session = SessionDep,
               viewer: Viewer = ViewerDep) -> JSON:
    wl = access.get_worklist(session, viewer, worklist_id)
    return json_response(filter_service.snapshot(session, filter_service.get_filter(session, wl, filter_id)))


@router.post("/{worklist_id}/filters", responses=FILTER)
def create_filter(worklist_id: IdPath, body: FilterIn, session: Session = SessionDep,
                  viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    wl = access.get_worklist(session, viewer, worklist_id)
    f = filter_service.do_create_filter(session, viewer, wl, body.model_dump())
    return json_response(filter_service.snapshot(session, f))


@router.put("/{worklist_id}/filters/{filter_id}", responses=FILTER)
def update_filter(worklist_id: IdPath, filter_id: IdPath, body: FilterUpdate, session: Session = SessionDep,
                  viewer: Viewer = ViewerDep) -> JSON:
    """Criteria with an id are updated, without one created; criteria left out are removed."""
    require_user(viewer)
    wl = access.get_worklist(session, viewer, worklist_id)
    f = filter_service.get_filter(session, wl, filter_id)
    data = body.model_dump(include=body.model_fields_set)
    f = filter_service.do_update_filter(session, viewer, wl, f, data)
    return json_response(filter_service.snapshot(session, f))


@router.delete("/{worklist_id}/filters/{filter_id}", response_class=Response)
def delete_filter(worklist_id: IdPath, filter_id: IdPath, session: Session = SessionDep,
                  viewer: Viewer = ViewerDep) -> Response:
    """Answers 200 with an empty body."""
    require_user(viewer)
    wl = access.get_worklist(session, viewer, worklist_id)
    filter_service.do_delete_filter(session, viewer, wl, filter_service.get_filter(session, wl, filter_id))
    return Response(status_code=200)
