"""/v1/boards: boards whose lanes are worklists; cards move between lanes through /v1/worklists."""

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
from storyline.api.v1.worklists import PERM_ARGS, read_budget
from storyline.authz import Viewer, require_user
from storyline.errors import BadRequest
from storyline.planning import access, board_service, queries, serialize
from storyline.planning.models import Board
from storyline.planning.schemas import BoardIn, BoardOut, BoardUpdate
from storyline.schemas import DbId

router = Router(prefix="/boards", tags=["boards"])

ONE: Responses = {200: {"model": BoardOut}}


def _one(request: Request, session: Session, viewer: Viewer, board: Board) -> JSON:
    """The board with its lanes' cards resolved, within the read budget (max_automatic_items per
    automatic lane, max_board_cards in all; `X-Truncated: true` when cards were left out)."""
    budget = read_budget(request, board=True)
    return json_response(serialize.boards_json(session, viewer, [board], resolve=True, budget=budget)[0],
                         budget.headers)


def _check_lanes(request: Request, session: Session, board: Board) -> None:
    """At most max_board_lanes lanes (checked after the write; the request's transaction is undone)."""
    limit = int(request.app.state.settings.max_board_lanes)
    if queries.lane_count(session, board.id) > limit:
        raise BadRequest(f"A board has at most {limit} lanes on this server", field="lanes")


@router.get("", responses={200: {"model": list[BoardOut]}})
def list_boards(
    request: Request, title: str | None = None, creator_id: DbId | None = None, project_id: DbId | None = None,
    archived: bool = Query(False, description="Archived boards instead of active ones"),
    user_id: DbId | None = None, story_id: DbId | None = None, task_id: DbId | None = None,
    item_type: str | None = Query(None, description="story or task"), p: Paging = Depends(paging),
    session: Session = SessionDep, viewer: Viewer = ViewerDep,
) -> JSON:
    """Boards the caller may see; lanes without resolved items."""
    stmt = queries.boards_select(viewer, title=title, creator_id=creator_id, project_id=project_id,
                                 archived=archived, user_id=user_id, story_id=story_id, task_id=task_id,
                                 item_type=item_type)
    page = paginate(session, stmt, id_column=Board.id, sort_columns=queries.BOARD_SORT, params=p,
                    cap=int(request.app.state.settings.max_page_size))
    return json_response(serialize.boards_json(session, viewer, page.rows, resolve=False), page.headers)


@router.get("/{board_id}", responses=ONE)
def get_board(request: Request, board_id: IdPath, session: Session = SessionDep,
              viewer: Viewer = ViewerDep) -> JSON:
    """Lanes with resolved items, due dates, permissions."""
    return _one(request, session, viewer, access.get_board(session, viewer, board_id))


@router.post("", responses=ONE)
def create_board(request: Request, body: BoardIn, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> JSON:
    """Each lane needs edit rights on its worklist; answers 200."""
    require_user(viewer)
    board = board_service.do_create_board(session, viewer, body.model_dump())
    _check_lanes(request, session, board)
    return _one(request, session, viewer, board)


@router.put("/{board_id}", responses=ONE)
def update_board(request: Request, board_id: IdPath, body: BoardUpdate, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> JSON:
    """Needs edit_board. `lanes` adds lanes or repositions existing ones; it never removes any."""
    require_user(viewer)
    board = access.get_board(session, viewer, board_id)
    changes = body.model_dump(include=body.model_fields_set)
    board = board_service.do_update_board(session, viewer, board, changes)
    _check_lanes(request, session, board)
    return _one(request, session, viewer, board)


@router.delete("/{board_id}", status_code=204, response_class=Response)
def delete_board(board_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> Response:
    """Archives the board and its lane worklists."""
    require_user(viewer)
    board_service.do_archive_board(session, viewer, access.get_board(session, viewer, board_id))
    return no_content()


@router.get("/{board_id}/permissions", responses={200: {"model": list[str]}})
def get_permissions(board_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """The permission codenames the caller holds on the board."""
    board = access.get_board(session, viewer, board_id)
    return json_response(access.codenames(session, viewer, "board", board.id))


@router.post("/{board_id}/permissions", responses={200: {"model": str}}, openapi_extra=PERM_ARGS)
def add_permission(board_id: IdPath, args: dict[str, Any] = Depends(loose_args), session: Session = SessionDep,
                   viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    board = access.get_board(session, viewer, board_id)
    return json_response(board_service.do_add_permission(session, viewer, board, args))


@router.put("/{board_id}/permissions", responses={200: {"model": str}}, openapi_extra=PERM_ARGS)
def replace_permission(board_id: IdPath, args: dict[str, Any] = Depends(loose_args),
                       session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    board = access.get_board(session, viewer, board_id)
    return json_response(board_service.do_replace_permission(session, viewer, board, args))
