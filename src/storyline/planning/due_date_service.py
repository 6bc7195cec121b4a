"""Writes on due dates. They are never deleted: DELETE only detaches one from a board (or worklist).

`edit_date` holders change name, date and privacy; `assign_date` (or `edit_date`) holders change the
stories and tasks assigned and attach the date to boards and worklists they may change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, require_user, story_visible
from storyline.db import utcnow
from storyline.errors import Forbidden, ValidationFailed
from storyline.planning import access, permission_service
from storyline.planning.models import DueDate, DueDateBoard, DueDateItem, DueDateWorklist
from storyline.planning.worklist_service import grant_initial
from storyline.sqltools import parse_datetime
from storyline.stories.models import Story, Task

EDIT = ("edit_date",)
ASSIGN = ("edit_date", "assign_date")


def _date(value: str) -> Any:
    parsed = parse_datetime("date", value)
    if parsed is None:
        raise ValidationFailed("date", "is required")
    return parsed


def _attach_board(session: Session, viewer: Viewer, due: DueDate, board_id: int) -> None:
    access.get_board(session, viewer, board_id)
    access.require_held(session, viewer, "board", board_id, ("edit_board", "move_cards"))
    linked = session.execute(select(DueDateBoard).where(DueDateBoard.due_date_id == due.id,
                                                        DueDateBoard.board_id == board_id)).first()
    if linked is None:
        session.add(DueDateBoard(due_date_id=due.id, board_id=board_id))


def _attach_worklist(session: Session, viewer: Viewer, due: DueDate, worklist_id: int) -> None:
    wl = access.get_worklist(session, viewer, worklist_id)
    access.require_worklist_move(session, viewer, wl)
    linked = session.execute(select(DueDateWorklist).where(DueDateWorklist.due_date_id == due.id,
                                                           DueDateWorklist.worklist_id == worklist_id)).first()
    if linked is None:
        session.add(DueDateWorklist(due_date_id=due.id, worklist_id=worklist_id))


def do_create_due_date(session: Session, viewer: Viewer, data: dict[str, Any]) -> DueDate:
    uid = require_user(viewer)
    due = DueDate(name=data["name"], date=_date(data["date"]), private=bool(data.get("private")), creator_id=uid)
    session.add(due)
    session.flush()
    grant_initial(session, "due_date", due.id, uid, data, lambda info: None)
    if data.get("board_id") is not None:
        _attach_board(session, viewer, due, data["board_id"])
    if data.get("worklist_id") is not None:
        _attach_worklist(session, viewer, due, data["worklist_id"])
    session.flush()
    return due


def _visible_ids(session: Session, viewer: Viewer, item_type: str, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    if item_type == "story":
        stmt = select(Story.id).where(Story.id.in_(ids), story_visible(viewer))
    else:
        stmt = select(Task.id).join(Story, Story.id == Task.story_id).where(Task.id.in_(ids), story_visible(viewer))
    return set(session.execute(stmt).scalars())


def _assign(session: Session, viewer: Viewer, due: DueDate, item_type: str, ids: list[int]) -> None:
    """The visible assignment becomes `ids`; assignments the caller cannot see are left alone."""
    wanted = list(dict.fromkeys(ids))
    visible = _visible_ids(session, viewer, item_type, wanted)
    missing = [i for i in wanted if i not in visible]
    if missing:
        field = "stories" if item_type == "story" else "tasks"
        raise ValidationFailed(field, f"{item_type.capitalize()} {missing[0]} not found")
    current = list(session.execute(select(DueDateItem.item_id).where(
        DueDateItem.due_date_id == due.id, DueDateItem.item_type == item_type)).scalars())
    current_visible = _visible_ids(session, viewer, item_type, current)
    drop = current_visible - set(wanted)
    if drop:
        session.execute(delete(DueDateItem).where(DueDateItem.due_date_id == due.id,
                                                  DueDateItem.item_type == item_type,
                                                  DueDateItem.item_id.in_(drop)))
    have = set(current)
    session.add_all(DueDateItem(due_date_id=due.id, item_type=item_type, item_id=i)
                    for i in wanted if i not in have)


def do_update_due_date(session: Session, viewer: Viewer, due: DueDate, changes: dict[str, Any]) -> DueDate:
    require_user(viewer)
    held = access.held_map(session, viewer, "due_date", [due.id]).get(due.id, set())
    details = {k: v for k, v in changes.items() if k in ("name", "date", "private") and v is not None}
    assigning = {k: v for k, v in changes.items()
                 if k in ("tasks", "stories", "board_id", "worklist_id") and v is not None}
    if details and "edit_date" not in held:
        raise Forbidden(f"You may not edit due date {due.id}.")
    if assigning and not held & set(ASSIGN):
        raise Forbidden(f"You may not assign due date {due.id}.")
    if "date" in details:
        details["date"] = _date(details["date"])
    for key, value in details.items():
        setattr(due, key, value)
    if "stories" in assigning:
        _assign(session, viewer, due, "story", assigning["stories"])
    if "tasks" in assigning:
        _assign(session, viewer, due, "task", assigning["tasks"])
    if "board_id" in assigning:
        _attach_board(session, viewer, due, assigning["board_id"])
    if "worklist_id" in assigning:
        _attach_worklist(session, viewer, due, assigning["worklist_id"])
    if details or assigning:
        due.updated_at = utcnow()
    session.flush()
    return due


def do_detach(session: Session, viewer: Viewer, due: DueDate, board_id: int | None,
              worklist_id: int | None) -> None:
    """Detach the date from a board (or worklist): holders of the date's rights or the board's edit right."""
    require_user(viewer)
    if board_id is None and worklist_id is None:
        raise ValidationFailed("board_id", "is required: due dates are never deleted, only detached")
    on_date = bool(access.held_map(session, viewer, "due_date", [due.id]).get(due.id, set()) & set(ASSIGN))
    if board_id is not None:
        access.get_board(session, viewer, board_id)
        if not on_date:
            access.require_held(session, viewer, "board", board_id, ("edit_board",))
        session.execute(delete(DueDateBoard).where(DueDateBoard.due_date_id == due.id,
                                                   DueDateBoard.board_id == board_id))
    if worklist_id is not None:
        wl = access.get_worklist(session, viewer, worklist_id)
        if not on_date:
            access.require_worklist_edit(session, viewer, wl)
        session.execute(delete(DueDateWorklist).where(DueDateWorklist.due_date_id == due.id,
                                                      DueDateWorklist.worklist_id == worklist_id))
    session.flush()


def do_add_permission(session: Session, viewer: Viewer, due: DueDate, args: dict[str, Any]) -> str:
    uid = access.require_held(session, viewer, "due_date", due.id, EDIT)
    return permission_service.do_add_permission(session, "due_date", due.id, uid, args)[0].codename


def do_replace_permission(session: Session, viewer: Viewer, due: DueDate, args: dict[str, Any]) -> str:
    uid = access.require_held(session, viewer, "due_date", due.id, EDIT)
    return permission_service.do_replace_permission(session, "due_date", due.id, uid, args)[0].codename
