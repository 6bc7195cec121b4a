"""/v1/due_dates: due dates are never deleted; DELETE ?board_id= detaches one from a board."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import JSON, IdPath, Responses, json_response, loose_args, parse_datetime
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.api.v1.worklists import PERM_ARGS
from storyline.authz import Viewer, require_user
from storyline.errors import BadRequest
from storyline.planning import access, due_date_service, queries, serialize
from storyline.planning.models import DueDate
from storyline.planning.schemas import DueDateIn, DueDateOut, DueDateUpdate
from storyline.schemas import DbId

router = Router(prefix="/due_dates", tags=["due_dates"])

ONE: Responses = {200: {"model": DueDateOut}}


def _one(session: Session, viewer: Viewer, due: DueDate) -> JSON:
    return json_response(serialize.due_dates_json(session, viewer, [due])[0])


@router.get("", responses={200: {"model": list[DueDateOut]}})
def list_due_dates(
    name: str | None = None, date: str | None = Query(None, description="ISO-8601; exact"),
    board_id: DbId | None = None, worklist_id: DbId | None = None,
    user: DbId | None = Query(None, description="Holders of assign_date"),
    owner: DbId | None = Query(None, description="Holders of edit_date"),
    sort_field: str = "id", sort_dir: str = "asc", session: Session = SessionDep, viewer: Viewer = ViewerDep,
) -> JSON:
    """No paging; X-Total is the number of visible due dates."""
    stmt = queries.due_dates_select(viewer, name=name, date=parse_datetime("date", date), board_id=board_id,
                                    worklist_id=worklist_id, user=user, owner=owner)
    col = queries.DUE_DATE_SORT.get(sort_field)
    if col is None:
        raise BadRequest(f"Invalid sort_field [{sort_field}]", field="sort_field")
    if sort_dir not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort_dir [{sort_dir}]", field="sort_dir")
    order = [col.asc(), DueDate.id.asc()] if sort_dir == "asc" else [col.desc(), DueDate.id.desc()]
    rows = list(session.execute(stmt.order_by(*order)).scalars())
    return json_response(serialize.due_dates_json(session, viewer, rows), {"X-Total": str(len(rows))})


@router.get("/{due_date_id}", responses=ONE)
def get_due_date(due_date_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """404 when missing or invisible."""
    return _one(session, viewer, access.get_due_date(session, viewer, due_date_id))


@router.post("", responses=ONE)
def create_due_date(body: DueDateIn, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    return _one(session, viewer, due_date_service.do_create_due_date(session, viewer, body.model_dump()))


@router.put("/{due_date_id}", responses=ONE)
def update_due_date(due_date_id: IdPath, body: DueDateUpdate, session: Session = SessionDep,
                    viewer: Viewer = ViewerDep) -> JSON:
    """edit_date: name, date, private; assign_date: tasks, stories, board_id, worklist_id."""
    require_user(viewer)
    due = access.get_due_date(session, viewer, due_date_id)
    changes = body.model_dump(include=body.model_fields_set)
    return _one(session, viewer, due_date_service.do_update_due_date(session, viewer, due, changes))


@router.delete("/{due_date_id}", response_class=Response)
def detach_due_date(due_date_id: IdPath, board_id: DbId | None = Query(None, description="Board to detach from"),
                    worklist_id: DbId | None = Query(None, description="Worklist to detach from"),
                    session: Session = SessionDep, viewer: Viewer = ViewerDep) -> Response:
    """Detaches the due date (never deletes it); 200 with an empty body."""
    require_user(viewer)
    due = access.get_due_date(session, viewer, due_date_id)
    due_date_service.do_detach(session, viewer, due, board_id, worklist_id)
    return Response(status_code=200)


@router.get("/{due_date_id}/permissions", responses={200: {"model": list[str]}})
def get_permissions(due_date_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    due = access.get_due_date(session, viewer, due_date_id)
    return json_response(access.codenames(session, viewer, "due_date", due.id))


@router.post("/{due_date_id}/permissions", responses={200: {"model": str}}, openapi_extra=PERM_ARGS)
def add_permission(due_date_id: IdPath, args: dict[str, Any] = Depends(loose_args),
                   session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    due = access.get_due_date(session, viewer, due_date_id)
    return json_response(due_date_service.do_add_permission(session, viewer, due, args))


@router.put("/{due_date_id}/permissions", responses={200: {"model": str}}, openapi_extra=PERM_ARGS)
def replace_permission(due_date_id: IdPath, args: dict[str, Any] = Depends(loose_args),
                       session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    due = access.get_due_date(session, viewer, due_date_id)
    return json_response(due_date_service.do_replace_permission(session, viewer, due, args))
