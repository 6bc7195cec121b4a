"""Reads of worklists, boards and due dates: filtered, visible selects, and automatic worklists' items."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, check_subscriber_filter, story_visible
from storyline.db import utcnow
from storyline.errors import BadRequest
from storyline.planning.access import board_visible, due_date_visible, holds, item_visible, worklist_visible
from storyline.planning.models import (
    ITEM_TYPES,
    Board,
    BoardLane,
    DueDate,
    DueDateBoard,
    DueDateWorklist,
    FilterCriterion,
    Worklist,
    WorklistFilter,
    WorklistItem,
)
from storyline.projects.models import ProjectGroupMember
from storyline.search.query import story_condition
from storyline.sqltools import like, v1_ts
from storyline.stories.models import Story, StoryTag, Tag, Task
from storyline.subscriptions.models import Subscription
from storyline.users.models import TeamMember

WORKLIST_SORT = {c.key: c for c in Worklist.__table__.columns}
BOARD_SORT = {c.key: c for c in Board.__table__.columns}
DUE_DATE_SORT = {c.key: c for c in DueDate.__table__.columns}
INT_FIELDS = ("Project", "ProjectGroup", "Story", "User", "Team", "Branch", "Milestone", "InactiveDays",
              "ActiveWithinDays")
# Storyline additions to StoryBoard's criterion fields (StoryBoard clients ignore them): the task's branch
# and milestone, and activity: last change (updated_at, else created_at) before / after an ISO-8601 time,
# more than N days ago, or within the last N days; and Team: assigned to a member of that team (now).
DATE_FIELDS = ("UpdatedBefore", "UpdatedAfter")
# A query of the search language (docs/search.md) on the story (of the task), compiled for the reader.
QUERY_FIELD = "Query"


def _check_item_type(item_type: str | None) -> None:
    if item_type is not None and item_type not in ITEM_TYPES:
        raise BadRequest("item_type must be 'story' or 'task'", field="item_type")


def _holding(user_id: int, object_type: str, id_col: Any) -> ColumnElement[bool]:
    return holds(Viewer(user_id=user_id), object_type, id_col)


def _containing(story_id: int | None, task_id: int | None, item_type: str | None) -> list[Any]:
    """Conditions on WorklistItem for the lists containing a given story / task / item type."""
    conds: list[Any] = [WorklistItem.archived == false()]
    if story_id is not None:
        conds += [WorklistItem.item_type == "story", WorklistItem.item_id == story_id]
    if task_id is not None:
        conds += [WorklistItem.item_type == "task", WorklistItem.item_id == task_id]
    if item_type is not None:
        conds.append(WorklistItem.item_type == item_type)
    return conds


def worklists_select(viewer: Viewer, *, title: str | None = None, creator_id: int | None = None,
                     project_id: int | None = None, archived: bool = False, user_id: int | None = None,
                     story_id: int | None = None, task_id: int | None = None, item_type: str | None = None,
                     hide_lanes: bool = True, board_id: int | None = None,
                     subscriber_id: int | None = None) -> Select[Any]:
    stmt = select(Worklist).where(worklist_visible(viewer))
    if board_id is not None:  # that board's lanes; the other filters are ignored
        return stmt.where(exists().where(BoardLane.list_id == Worklist.id, BoardLane.board_id == board_id))
    _check_item_type(item_type)
    if title:
        stmt = stmt.where(like(Worklist.title, title))
    if creator_id is not None:
        stmt = stmt.where(Worklist.creator_id == creator_id)
    if project_id is not None:
        stmt = stmt.where(Worklist.project_id == project_id)
    if archived is not None:
        stmt = stmt.where(Worklist.archived == archived)
    if user_id is not None:
        stmt = stmt.where(_holding(user_id, "worklist", Worklist.id))
    if story_id is not None or task_id is not None or item_type is not None:
        stmt = stmt.where(exists().where(WorklistItem.list_id == Worklist.id,
                                         *_containing(story_id, task_id, item_type), item_visible(viewer)))
    if hide_lanes:
        stmt = stmt.where(not_(exists().where(BoardLane.list_id == Worklist.id)))
    check_subscriber_filter(viewer, subscriber_id)
    if subscriber_id is not None:
        stmt = stmt.where(exists().where(Subscription.target_type == "worklist",
                                         Subscription.target_id == Worklist.id,
                                         Subscription.user_id == subscriber_id))
    return stmt


def boards_select(viewer: Viewer, *, title: str | None = None, creator_id: int | None = None,
                  project_id: int | None = None, archived: bool | None = False, user_id: int | None = None,
                  story_id: int | None = None, task_id: int | None = None,
                  item_type: str | None = None) -> Select[Any]:
    stmt = select(Board).where(board_visible(viewer))
    _check_item_type(item_type)
    if title:
        stmt = stmt.where(like(Board.title, title))
    if creator_id is not None:
        stmt = stmt.where(Board.creator_id == creator_id)
    if project_id is not None:
        stmt = stmt.where(Board.project_id == project_id)
    if archived is not None:
        stmt = stmt.where(Board.archived == archived)
    if user_id is not None:
        stmt = stmt.where(_holding(user_id, "board", Board.id))
    if story_id is not None or task_id is not None or item_type is not None:
        stmt = stmt.where(exists().where(
            BoardLane.board_id == Board.id, WorklistItem.list_id == BoardLane.list_id,
            *_containing(story_id, task_id, item_type), item_visible(viewer)))
    return stmt


def due_dates_select(viewer: Viewer, *, name: str | None = None, date: dt.datetime | None = None,
                     board_id: int | None = None, worklist_id: int | None = None, user: int | None = None,
                     owner: int | None = None) -> Select[Any]:
    stmt = select(DueDate).where(due_date_visible(viewer))
    if name:
        stmt = stmt.where(like(DueDate.name, name))
    if date is not None:
        stmt = stmt.where(DueDate.date == date)
    # A board or worklist the viewer cannot see filters like a missing one (nothing), not like its
    # contents: public due dates on a private board must not tell that the board exists.
    if board_id is not None:
        stmt = stmt.where(exists().where(DueDateBoard.due_date_id == DueDate.id,
                                         DueDateBoard.board_id == board_id, Board.id == DueDateBoard.board_id,
                                         board_visible(viewer)))
    if worklist_id is not None:
        stmt = stmt.where(exists().where(DueDateWorklist.due_date_id == DueDate.id,
                                         DueDateWorklist.worklist_id == worklist_id,
                                         Worklist.id == DueDateWorklist.worklist_id, worklist_visible(viewer)))
    if user is not None:
        stmt = stmt.where(holds(Viewer(user_id=user), "due_date", DueDate.id, ("assign_date",)))
    if owner is not None:
        stmt = stmt.where(holds(Viewer(user_id=owner), "due_date", DueDate.id, ("edit_date",)))
    return stmt


def lane_count(session: Session, board_id: int) -> int:
    return int(session.execute(select(func.count()).where(BoardLane.board_id == board_id)).scalar_one())


def active_items(session: Session, viewer: Viewer, list_ids: list[int]) -> dict[int, list[WorklistItem]]:
    """The non-archived cards the viewer may see, per list, in position order (one query)."""
    out: dict[int, list[WorklistItem]] = defaultdict(list)
    if not list_ids:
        return out
    for item in session.execute(
        select(WorklistItem).where(WorklistItem.list_id.in_(list_ids), WorklistItem.archived == false(),
                                   item_visible(viewer))
        .order_by(WorklistItem.list_id, WorklistItem.list_position, WorklistItem.id)
    ).scalars():
        out[item.list_id].append(item)
    return out


# ---- automatic worklists --------------------------------------------------------------------------

def parse_int(value: str) -> int | None:
    v = value.strip()
    return int(v) if v.lstrip("-").isdigit() and abs(int(v)) < 2**31 else None


def _tagged(story_id_col: Any, name: str) -> Any:
    return exists().where(StoryTag.story_id == story_id_col, Tag.id == StoryTag.tag_id, Tag.name == name)


def _group_projects(group_id: int) -> Any:
    return select(ProjectGroupMember.project_id).where(ProjectGroupMember.project_group_id == group_id)


def _team_members(team_id: int) -> Any:
    return select(TeamMember.user_id).where(TeamMember.team_id == team_id)


def parse_time(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (ValueError, OverflowError):
        return None


def _activity(field: str, value: str, updated: Any, created: Any) -> Any | None:
    """Conditions on the last change of a story or task (None: not an activity field)."""
    last = func.coalesce(updated, created)
    if field in DATE_FIELDS:
        when = parse_time(value)
        if when is None:
            return false()
        return last < when if field == "UpdatedBefore" else last > when
    if field in ("InactiveDays", "ActiveWithinDays"):
        days = parse_int(value)
        if days is None or not 0 <= days <= 100_000:
            return false()
        cutoff = utcnow() - dt.timedelta(days=days)
        return last < cutoff if field == "InactiveDays" else last >= cutoff
    return None


def _story_condition(field: str, value: str) -> Any | None:
    """A Story-filter criterion as a SQL condition on Story; None for a field nobody knows."""
    n = parse_int(value)
    if field in INT_FIELDS and n is None:
        return false()
    activity = _activity(field, value, Story.updated_at, Story.created_at)
    if activity is not None:
        return activity
    def has_task(*conds: Any) -> ColumnElement[bool]:
        return exists().where(Task.story_id == Story.id, *conds)

    if field == "Project":
        return has_task(Task.project_id == n)
    if field == "ProjectGroup":
        return has_task(Task.project_id.in_(_group_projects(n)))  # type: ignore[arg-type]
    if field == "Story":
        return Story.id == n
    if field == "User":
        return has_task(Task.assignee_id == n)
    if field == "Team":
        return has_task(Task.assignee_id.in_(_team_members(n)))  # type: ignore[arg-type]
    if field == "StoryStatus":
        return Story.status == value
    if field == "TaskStatus":
        return has_task(Task.status == value)
    if field == "Tags":
        return _tagged(Story.id, value)
    if field == "Text":
        return like(Story.title, value)
    if field == "Branch":
        return has_task(Task.branch_id == n)
    if field == "Milestone":
        return has_task(Task.milestone_id == n)
    return None


def _task_condition(field: str, value: str) -> Any | None:
    """A Task-filter criterion as a SQL condition on Task (joined to its Story)."""
    n = parse_int(value)
    if field in INT_FIELDS and n is None:
        return false()
    activity = _activity(field, value, Task.updated_at, Task.created_at)
    if activity is not None:
        return activity
    if field == "Project":
        return Task.project_id == n
    if field == "ProjectGroup":
        return Task.project_id.in_(_group_projects(n))  # type: ignore[arg-type]
    if field == "Story":
        return Task.story_id == n
    if field == "User":
        return and_(Task.assignee_id.is_not(None), Task.assignee_id == n)
    if field == "Team":
        return Task.assignee_id.in_(_team_members(n))  # type: ignore[arg-type]
    if field == "StoryStatus":
        return Story.status == value
    if field == "TaskStatus":
        return Task.status == value
    if field == "Tags":
        return _tagged(Task.story_id, value)
    if field == "Text":
        return like(Task.title, value)
    if field == "Branch":
        return Task.branch_id == n
    if field == "Milestone":
        return and_(Task.milestone_id.is_not(None), Task.milestone_id == n)
    return None


def filter_condition(filter_type: str, criteria: list[FilterCriterion], session: Session | None = None,
                     viewer: Viewer | None = None) -> Any | None:
    """AND of the known criteria (`negative` inverts one); None when no criterion is usable.

    A Query criterion needs the session and the reader (names are looked up, `@me` is the reader): it is
    a condition on Story (a Task filter's rows are joined to their story)."""
    make = _story_condition if filter_type == "Story" else _task_condition
    conds = []
    for c in criteria:
        if c.field == QUERY_FIELD:
            cond = None if session is None or viewer is None else story_condition(session, viewer, c.value)
        else:
            cond = make(c.field, c.value)
        if cond is not None:
            conds.append(not_(cond) if c.negative else cond)
    return and_(*conds) if conds else None


def load_filters(session: Session, list_ids: list[int]
                 ) -> tuple[dict[int, list[WorklistFilter]], dict[int, list[FilterCriterion]]]:
    filters: dict[int, list[WorklistFilter]] = defaultdict(list)
    criteria: dict[int, list[FilterCriterion]] = defaultdict(list)
    if not list_ids:
        return filters, criteria
    rows = list(session.execute(select(WorklistFilter).where(WorklistFilter.list_id.in_(list_ids))
                                .order_by(WorklistFilter.id)).scalars())
    for f in rows:
        filters[f.list_id].append(f)
    if rows:
        for c in session.execute(select(FilterCriterion).where(
                FilterCriterion.filter_id.in_([f.id for f in rows])).order_by(FilterCriterion.id)).scalars():
            criteria[c.filter_id].append(c)
    return filters, criteria


def automatic_items(session: Session, viewer: Viewer, filters: list[WorklistFilter],
                    criteria: dict[int, list[FilterCriterion]], cap: int = 0) -> list[tuple[str, int, str, str]]:
    """Stories and tasks matching any filter (filters are OR'ed), visible to the viewer; by id.

    As (item_type, id, created_at, updated_at) with the v1 timestamp text: an automatic list can
    hold thousands of items, so no ORM objects are built for them.
    """
    story_conds: list[Any] = []
    task_conds: list[Any] = []
    for f in filters:
        cond = filter_condition(f.type, criteria.get(f.id, []), session, viewer)
        if cond is not None:
            (story_conds if f.type == "Story" else task_conds).append(cond)
    found: list[tuple[str, int, str, str]] = []
    conn = session.connection()
    if story_conds:
        stmt = (select(Story.id, v1_ts(Story.created_at), v1_ts(Story.updated_at))
                .where(story_visible(viewer), or_(*story_conds)).order_by(Story.id))
        found.extend(("story", *row) for row in conn.execute(stmt.limit(cap) if cap else stmt))
    if task_conds:
        stmt = (select(Task.id, v1_ts(Task.created_at), v1_ts(Task.updated_at))
                .join(Story, Story.id == Task.story_id)
                .where(story_visible(viewer), or_(*task_conds)).order_by(Task.id))
        found.extend(("task", *row) for row in conn.execute(stmt.limit(cap) if cap else stmt))
    return found
