"""Writes on boards and their lanes. Services flush; the request commits.

A lane is a worklist: adding one needs edit rights on that worklist, and a private worklist becomes a
lane only of a private board whose audience it already has (reference §6 item 5).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, require_user
from storyline.db import utcnow
from storyline.errors import BadRequest
from storyline.planning import access, permission_service
from storyline.planning.event_service import check_project, emit_worklist
from storyline.planning.filter_service import add_filter
from storyline.planning.models import Board, BoardLane, Worklist
from storyline.planning.permission_service import initial_members
from storyline.planning.queries import QUERY_FIELD
from storyline.planning.worklist_service import grant_initial
from storyline.timeline import emit
from storyline.users.models import TeamMember

DETAIL_FIELDS = ("title", "description", "private", "archived", "project_id")


def emit_board(session: Session, event_type: str, board_id: int, info: dict[str, Any]) -> None:
    emit(session, event_type, author_id=info.get("author_id"), board_id=board_id,
         info={"board_id": board_id, **info})


def _team_members(session: Session, teams: set[int]) -> set[int]:
    if not teams:
        return set()
    return set(session.execute(select(TeamMember.user_id).where(TeamMember.team_id.in_(teams))).scalars())


def _check_lane(session: Session, viewer: Viewer, list_id: int, board_private: bool,
                board_users: set[int], board_teams: set[int], board_id: int | None) -> Worklist:
    wl = access.get_worklist(session, viewer, list_id)
    lane_of = access.lane_board_id(session, list_id)
    if lane_of is not None and lane_of != board_id:
        raise BadRequest(f"Worklist {list_id} is already a lane of another board", field="lanes")
    if lane_of is None:
        access.require_worklist_edit(session, viewer, wl)
        if not _fits(session, wl, board_private, board_users, board_teams):
            raise BadRequest(f"Private worklist {list_id} cannot become a lane of a board with a wider "
                             "audience", field="lanes")
    return wl


def _fits(session: Session, wl: Worklist, board_private: bool, board_users: set[int], board_teams: set[int]
          ) -> bool:
    """A private worklist may be a lane only of a private board whose audience it already has."""
    if not wl.private:
        return True
    users, teams = access.audience(session, "worklist", wl.id)
    return board_private and board_teams <= teams and board_users <= users | _team_members(session, teams)


def check_private_lanes(session: Session, board: Board, field: str) -> None:
    """After a change that may widen the board (made public, new members): every private lane still fits.

    Otherwise a private worklist, checked when it became a lane, would open to the wider audience."""
    session.flush()
    lanes = session.execute(select(Worklist).join(BoardLane, BoardLane.list_id == Worklist.id)
                            .where(BoardLane.board_id == board.id, Worklist.private.is_(True))).scalars().all()
    if not lanes:
        return
    users, teams = access.audience(session, "board", board.id)
    for wl in lanes:
        if not _fits(session, wl, board.private, users, teams):
            raise BadRequest(f"Board {board.id} has the private worklist {wl.id} as a lane: its audience "
                             "cannot grow beyond that worklist's", field=field)


def _place_lanes(session: Session, board_id: int, wanted: list[tuple[int, int | None]]) -> tuple[list[BoardLane], list[tuple[dict[str, Any], BoardLane]]]:
    """Add lanes / reposition existing ones, then number the board's lanes 0..n-1."""
    lanes = list(session.execute(select(BoardLane).where(BoardLane.board_id == board_id)
                                 .order_by(BoardLane.position, BoardLane.id)).scalars())
    by_list = {lane.list_id: lane for lane in lanes}
    added: list[BoardLane] = []
    moved: list[tuple[dict[str, Any], BoardLane]] = []
    for list_id, position in wanted:
        lane = by_list.get(list_id)
        if lane is None:
            lane = BoardLane(board_id=board_id, list_id=list_id, position=0)
            session.add(lane)
            by_list[list_id] = lane
            added.append(lane)
        else:
            moved.append((_lane_entry(lane), lane))
            lanes.remove(lane)
        at = len(lanes) if position is None else min(position, len(lanes))
        lanes.insert(at, lane)
    for n, lane in enumerate(lanes):
        lane.position = n
    session.flush()
    return added, moved


def _lane_entry(lane: BoardLane) -> dict[str, Any]:
    return {"lane_id": lane.id, "list_id": lane.list_id, "position": lane.position}


def do_create_board(session: Session, viewer: Viewer, data: dict[str, Any]) -> Board:
    uid = require_user(viewer)
    check_project(session, data.get("project_id"))
    private = bool(data.get("private"))
    owners, members, team_owners, team_users = initial_members(session, uid, data)
    users = set(owners) | set(members)
    teams = set(team_owners) | set(team_users)
    lanes = data.get("lanes") or []
    for lane in lanes:
        _check_lane(session, viewer, lane["list_id"], private, users, teams, None)
    board = Board(title=data["title"], description=data.get("description"), creator_id=uid,
                  project_id=data.get("project_id"), private=private)
    session.add(board)
    session.flush()
    emit_board(session, "board_created", board.id, {"author_id": uid, "board_title": board.title,
                                                    "board_description": board.description})
    grant_initial(session, "board", board.id, uid, data,
                  lambda info: emit_board(session, "board_permission_created", board.id, info))
    _place_lanes(session, board.id, [(lane["list_id"], lane.get("position")) for lane in lanes])
    return board


def do_update_board(session: Session, viewer: Viewer, board: Board, changes: dict[str, Any]) -> Board:
    """Details (one event per changed field) and `lanes` (adds lanes or repositions; never removes)."""
    uid = access.require_held(session, viewer, "board", board.id, ("edit_board",))
    if "title" in changes and changes["title"] is None:
        raise BadRequest("title must not be null", field="title")
    if changes.get("project_id") is not None:
        check_project(session, changes["project_id"])
    lanes = changes.get("lanes")
    if lanes is not None:
        users, teams = access.audience(session, "board", board.id)
        private = board.private if changes.get("private") is None else changes["private"]
        for lane in lanes:
            _check_lane(session, viewer, lane["list_id"], bool(private), users, teams, board.id)
    changed = False
    for key in DETAIL_FIELDS:
        if key not in changes or (changes[key] is None and key not in ("description", "project_id")):
            continue
        old, new = getattr(board, key), changes[key]
        if old == new:
            continue
        setattr(board, key, new)
        changed = True
        emit_board(session, "board_details_changed", board.id,
                   {"author_id": uid, "field": key, "old_value": old, "new_value": new})
    if lanes:
        access.lock_board(session, board.id)
        added, moved = _place_lanes(session, board.id, [(lane["list_id"], lane.get("position")) for lane in lanes])
        emit_board(session, "board_lanes_changed", board.id, {
            "author_id": uid, "added": [_lane_entry(lane) for lane in added], "removed": [],
            "updated": [{"old": old, "new": _lane_entry(lane)} for old, lane in moved]})
        changed = True
    if changed:
        board.updated_at = utcnow()
        session.flush()
    if changes.get("private") is False:
        check_private_lanes(session, board, "private")
    return board


def do_add_lane(session: Session, viewer: Viewer, board: Board, title: str, query: str | None = None) -> Worklist:
    """A new worklist as the board's last lane, in the caller's transaction: manual, or (with `query`) automatic
    with one Story filter whose criterion is that query of the search language. Needs edit_board.

    The worklist's own flags do not matter while it is a lane (it takes the board's visibility and rights), and a
    board never loses a lane, so it is made public-flagged: a private flag with the creator alone as its audience
    would later keep the board from widening (check_private_lanes)."""
    uid = access.require_held(session, viewer, "board", board.id, ("edit_board",))
    access.lock_board(session, board.id)
    wl = Worklist(title=title, creator_id=uid, project_id=board.project_id, private=False,
                  automatic=query is not None)
    session.add(wl)
    session.flush()
    emit_worklist(session, "worklist_created", wl.id, uid, {"author_id": uid, "worklist_title": wl.title})
    grant_initial(session, "worklist", wl.id, uid, {},
                  lambda info: emit_worklist(session, "worklist_permission_created", wl.id, uid, info))
    if query is not None:
        add_filter(session, wl, "Story", [{"field": QUERY_FIELD, "value": query}])
    added, _ = _place_lanes(session, board.id, [(wl.id, None)])
    emit_board(session, "board_lanes_changed", board.id, {
        "author_id": uid, "added": [_lane_entry(lane) for lane in added], "removed": [], "updated": []})
    board.updated_at = utcnow()
    session.flush()
    return wl


def do_archive_board(session: Session, viewer: Viewer, board: Board) -> None:
    """DELETE archives the board and its lane worklists."""
    do_update_board(session, viewer, board, {"archived": True})
    now = utcnow()
    for wl in session.execute(select(Worklist).join(BoardLane, BoardLane.list_id == Worklist.id)
                              .where(BoardLane.board_id == board.id, Worklist.archived == false())).scalars():
        wl.archived = True
        wl.updated_at = now
    session.flush()


def do_add_permission(session: Session, viewer: Viewer, board: Board, args: dict[str, Any]) -> str:
    uid = access.require_held(session, viewer, "board", board.id, ("edit_board",))
    perm, info = permission_service.do_add_permission(session, "board", board.id, uid, args)
    check_private_lanes(session, board, "users")
    emit_board(session, "board_permission_created", board.id, info)
    return perm.codename


def do_replace_permission(session: Session, viewer: Viewer, board: Board, args: dict[str, Any]) -> str:
    uid = access.require_held(session, viewer, "board", board.id, ("edit_board",))
    perm, info = permission_service.do_replace_permission(session, "board", board.id, uid, args)
    check_private_lanes(session, board, "users")
    emit_board(session, "board_permissions_changed", board.id, info)
    return perm.codename
