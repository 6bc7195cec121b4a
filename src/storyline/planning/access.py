"""Visibility and rights on worklists, boards and due dates: the access helpers of the planning domain.

A worklist, board or due date is visible when it is not private, or when the viewer holds one of its
two permissions directly or through a team. A lane (a worklist on a board) ignores its own flags and
permissions and takes its board's. Superusers do not bypass any of this. Missing and invisible
objects both answer 404; visible objects the caller may not change answer 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, exists, false, not_, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from storyline.authz import Viewer, require_user, story_visible, story_visible_bound, viewer_values
from storyline.errors import Forbidden, NotFound
from storyline.planning.models import (
    CODENAMES,
    Board,
    BoardLane,
    DueDate,
    PlanningPermission,
    PlanningPermissionTeam,
    PlanningPermissionUser,
    Worklist,
    WorklistItem,
)
from storyline.stories.models import Story, Task
from storyline.users.models import TeamMember, User

LABELS = {"worklist": "Worklist", "board": "Board", "due_date": "Due date"}
# Whom a predicate is about: a user id, a bound parameter for one, or the user in a column (every
# candidate recipient at once).
UserRef: TypeAlias = int | ColumnElement[int] | BindParameter[Any] | QueryableAttribute[int]


def holds(viewer: Viewer, object_type: str, id_col: object, codenames: tuple[str, ...] | None = None
          ) -> ColumnElement[bool]:
    """SQL predicate: the viewer holds a permission (any of `codenames`) on the object in `id_col`."""
    if viewer.user_id is None:
        return false()
    return _holds(viewer.user_id, object_type, id_col, codenames)


def _holds(uid: UserRef, object_type: str, id_col: object,
           codenames: tuple[str, ...] | None = None) -> ColumnElement[bool]:
    """holds() for a user id, or for the user in a column (every candidate recipient at once)."""
    conds = [PlanningPermission.object_type == object_type, PlanningPermission.object_id == id_col]
    if codenames is not None:
        conds.append(PlanningPermission.codename.in_(codenames))
    # Explicit correlation: with the user in a column, `users` belongs to a query several levels out,
    # which auto-correlation (the enclosing SELECT only) would not reach.
    direct = exists().where(PlanningPermissionUser.permission_id == PlanningPermission.id,
                            PlanningPermissionUser.user_id == uid).correlate_except(PlanningPermissionUser)
    team = exists().where(PlanningPermissionTeam.permission_id == PlanningPermission.id,
                          PlanningPermissionTeam.team_id == TeamMember.team_id, TeamMember.user_id == uid
                          ).correlate_except(PlanningPermissionTeam, TeamMember)
    return exists().where(*conds, or_(direct, team))


def board_visible(viewer: Viewer, board: type[Board] | object = Board) -> ColumnElement[bool]:
    return _board_visible(viewer.user_id, board)


def _board_visible(uid: UserRef | None, board: type[Board] | object = Board) -> ColumnElement[bool]:
    b: Any = board  # Board or an alias of it
    held = false() if uid is None else _holds(uid, "board", b.id)
    return or_(b.private == false(), held)


def worklist_visible(viewer: Viewer) -> ColumnElement[bool]:
    """SQL predicate on Worklist: visible by its own flags, or (for a lane) by its board's."""
    return _worklist_visible(viewer.user_id)


def _worklist_visible(uid: UserRef | None) -> ColumnElement[bool]:
    """worklist_visible for a user id, None (anonymous), or the user in a column."""
    lane = exists().where(BoardLane.list_id == Worklist.id)
    via_board = exists().where(BoardLane.list_id == Worklist.id, Board.id == BoardLane.board_id,
                               _board_visible(uid))
    held = false() if uid is None else _holds(uid, "worklist", Worklist.id)
    own = and_(not_(lane), or_(Worklist.private == false(), held))
    return or_(own, via_board)


def due_date_visible(viewer: Viewer) -> ColumnElement[bool]:
    return or_(DueDate.private == false(), holds(viewer, "due_date", DueDate.id))


def due_date_visible_bound(authenticated: bool) -> ColumnElement[bool]:
    """due_date_visible for any viewer of a kind, the user's id being the bound parameter `viewer_id`
    (for statements built once: values from viewer_values(viewer))."""
    if not authenticated:
        return DueDate.private == false()
    return or_(DueDate.private == false(), _holds(bindparam("viewer_id"), "due_date", DueDate.id))


def item_visible(viewer: Viewer, type_col: object = WorklistItem.item_type,
                 id_col: object = WorklistItem.item_id) -> ColumnElement[bool]:
    """SQL predicate: the story or task an item points at exists and the viewer may see its story."""
    return _item_visible(story_visible(viewer), type_col, id_col)


def item_visible_bound(authenticated: bool, type_col: object = WorklistItem.item_type,
                       id_col: object = WorklistItem.item_id) -> ColumnElement[bool]:
    """item_visible for any viewer of a kind, the user's id being the bound parameter `viewer_id`
    (authz.story_visible_bound): for statements built once (values: viewer_values)."""
    return _item_visible(story_visible_bound(authenticated), type_col, id_col)


def _item_visible(rule: ColumnElement[bool], type_col: Any, id_col: Any) -> ColumnElement[bool]:
    story_ok = exists().where(Story.id == id_col, rule)
    task_ok = exists().where(Task.id == id_col, Story.id == Task.story_id, rule)
    return or_(and_(type_col == "story", story_ok), and_(type_col == "task", task_ok))


def _viewer_param(authenticated: bool) -> BindParameter[Any] | None:
    return bindparam("viewer_id") if authenticated else None


# ---- fetching -------------------------------------------------------------------------------------
# The hot planning writes' statements are built once, per kind of viewer, with every value bound
# (building a statement costs more than SQLite takes to run it; docs/architecture.md).

_GET_WORKLIST = {auth: select(Worklist).where(Worklist.id == bindparam("worklist_id"),
                                              _worklist_visible(_viewer_param(auth)))
                 for auth in (False, True)}
_GET_BOARD = {auth: select(Board).where(Board.id == bindparam("board_id"), _board_visible(_viewer_param(auth)))
              for auth in (False, True)}


def get_worklist(session: Session, viewer: Viewer, worklist_id: int, *, lock: bool = False) -> Worklist:
    worklist = session.execute(_GET_WORKLIST[viewer.authenticated],
                               {"worklist_id": worklist_id, **viewer_values(viewer)}).scalar_one_or_none()
    if worklist is None:
        raise NotFound(f"Worklist {worklist_id} not found")
    if lock:
        lock_worklists(session, [worklist_id])
    return worklist


_LOCK_WORKLISTS = (select(Worklist.id).where(Worklist.id.in_(bindparam("ids", expanding=True)))
                   .order_by(Worklist.id).with_for_update())


def lock_worklists(session: Session, ids: list[int]) -> bool:
    """Serialise writers of these lists' positions: row locks in id order on PostgreSQL. True when it
    locked (rows read before may have changed meanwhile: read them again).

    SQLite write transactions are already serialised (BEGIN IMMEDIATE, taken at the transaction's
    first statement), so nothing is needed there and what the transaction read is still true.
    """
    if session.get_bind().dialect.name == "sqlite":
        return False
    session.execute(_LOCK_WORKLISTS, {"ids": sorted(set(ids))})
    return True


def lock_board(session: Session, board_id: int) -> None:
    """Serialise writers of a board's lane positions (PostgreSQL row lock; SQLite writes are serialised)."""
    if session.get_bind().dialect.name == "sqlite":
        return
    session.execute(select(Board.id).where(Board.id == board_id).with_for_update())


def get_board(session: Session, viewer: Viewer, board_id: int) -> Board:
    board = session.execute(_GET_BOARD[viewer.authenticated],
                            {"board_id": board_id, **viewer_values(viewer)}).scalar_one_or_none()
    if board is None:
        raise NotFound(f"Board {board_id} not found")
    return board


def get_due_date(session: Session, viewer: Viewer, due_date_id: int) -> DueDate:
    due = session.execute(
        select(DueDate).where(DueDate.id == due_date_id, due_date_visible(viewer))).scalar_one_or_none()
    if due is None:
        raise NotFound(f"Due date {due_date_id} not found")
    return due


# ---- rights ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rights:
    edit: bool
    move: bool


def _held_statement() -> Any:
    base = [PlanningPermission.object_type == bindparam("object_type"),
            PlanningPermission.object_id.in_(bindparam("ids", expanding=True))]
    direct = select(PlanningPermission.object_id, PlanningPermission.codename).join(
        PlanningPermissionUser, PlanningPermissionUser.permission_id == PlanningPermission.id).where(
        *base, PlanningPermissionUser.user_id == bindparam("viewer_id"))
    team = select(PlanningPermission.object_id, PlanningPermission.codename).join(
        PlanningPermissionTeam, PlanningPermissionTeam.permission_id == PlanningPermission.id).join(
        TeamMember, TeamMember.team_id == PlanningPermissionTeam.team_id).where(
        *base, TeamMember.user_id == bindparam("viewer_id"))
    return direct.union(team)


_HELD = _held_statement()
_LANE_BOARD = select(BoardLane.board_id).where(BoardLane.list_id == bindparam("worklist_id"))


def held_map(session: Session, viewer: Viewer, object_type: str, ids: list[int]) -> dict[int, set[str]]:
    """The codenames the viewer holds (directly or through a team) on each object: one query."""
    out: dict[int, set[str]] = {}
    if viewer.user_id is None or not ids:
        return out
    values = {"object_type": object_type, "ids": ids, "viewer_id": viewer.user_id}
    for oid, codename in session.execute(_HELD, values):
        out.setdefault(oid, set()).add(codename)
    return out


def _held(session: Session, viewer: Viewer, object_type: str, object_id: int) -> set[str]:
    return held_map(session, viewer, object_type, [object_id]).get(object_id, set())


def lane_board_id(session: Session, worklist_id: int) -> int | None:
    return session.execute(_LANE_BOARD, {"worklist_id": worklist_id}).scalar()


def worklist_rights(session: Session, viewer: Viewer, worklist: Worklist) -> Rights:
    board_id = lane_board_id(session, worklist.id)
    if board_id is not None:
        held = _held(session, viewer, "board", board_id)
        either = bool(held & set(CODENAMES["board"]))
        return Rights(edit=either, move=either)
    held = _held(session, viewer, "worklist", worklist.id)
    edit = "edit_worklist" in held
    return Rights(edit=edit, move=edit or "move_items" in held)


def worklist_codenames(session: Session, viewer: Viewer, worklist: Worklist) -> list[str]:
    """The worklist codenames the caller holds (for a lane: granted by either board permission)."""
    if lane_board_id(session, worklist.id) is not None:
        rights = worklist_rights(session, viewer, worklist)
        return list(CODENAMES["worklist"]) if rights.edit else []
    return sorted(_held(session, viewer, "worklist", worklist.id))


def codenames(session: Session, viewer: Viewer, object_type: str, object_id: int) -> list[str]:
    return sorted(_held(session, viewer, object_type, object_id))


def require_worklist_edit(session: Session, viewer: Viewer, worklist: Worklist) -> int:
    uid = require_user(viewer)
    if not worklist_rights(session, viewer, worklist).edit:
        raise Forbidden(f"You may not edit worklist {worklist.id}.")
    return uid


def require_worklist_move(session: Session, viewer: Viewer, worklist: Worklist) -> int:
    uid = require_user(viewer)
    if not worklist_rights(session, viewer, worklist).move:
        raise Forbidden(f"You may not move items of worklist {worklist.id}.")
    return uid


def require_held(session: Session, viewer: Viewer, object_type: str, object_id: int,
                 allowed: tuple[str, ...]) -> int:
    uid = require_user(viewer)
    if not _held(session, viewer, object_type, object_id) & set(allowed):
        raise Forbidden(f"You may not change {LABELS[object_type].lower()} {object_id}.")
    return uid


def audience(session: Session, object_type: str, object_id: int) -> tuple[set[int], set[int]]:
    """The users and teams holding any permission on the object."""
    perm_ids = select(PlanningPermission.id).where(
        PlanningPermission.object_type == object_type, PlanningPermission.object_id == object_id)
    users = set(session.execute(select(PlanningPermissionUser.user_id).where(
        PlanningPermissionUser.permission_id.in_(perm_ids))).scalars())
    teams = set(session.execute(select(PlanningPermissionTeam.team_id).where(
        PlanningPermissionTeam.permission_id.in_(perm_ids))).scalars())
    return users, teams


def users_who_can_see_board(session: Session, board_id: int, user_ids: set[int]) -> set[int]:
    """The subset of `user_ids` that may see the board (notification recipients), in one query."""
    if not user_ids:
        return set()
    query = (select(User.id).join(Board, Board.id == board_id)
             .where(User.id.in_(sorted(user_ids)), _board_visible(User.id)))
    return set(session.execute(query).scalars())


def users_who_can_see_worklist(session: Session, worklist_id: int, user_ids: set[int]) -> set[int]:
    """The subset of `user_ids` that may see the worklist (notification recipients): worklist_visible
    itself, for each user as a column, in one query."""
    if not user_ids:
        return set()
    sees = exists().where(Worklist.id == worklist_id, _worklist_visible(User.id))
    return set(session.execute(select(User.id).where(User.id.in_(sorted(user_ids)), sees)).scalars())


def event_visible(viewer: Viewer, worklist_id_col: object, board_id_col: object) -> ColumnElement[bool]:
    """SQL predicate on a timeline event's worklist_id / board_id columns: the worklist or board is visible
    (NULL = not about one). For the events queries, beside the story rule."""
    wl_ok = exists().where(Worklist.id == worklist_id_col, worklist_visible(viewer))
    board_ok = exists().where(Board.id == board_id_col, board_visible(viewer))
    return and_(or_(worklist_id_col.is_(None), wl_ok),  # type: ignore[attr-defined]
                or_(board_id_col.is_(None), board_ok))  # type: ignore[attr-defined]
