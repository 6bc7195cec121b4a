"""Filtered, visible selects of stories, tasks and events for the v1 lists and searches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session

from storyline.authz import (
    Viewer,
    check_subscriber_filter,
    story_id_visible,
    story_visible,
    story_visible_bound,
    viewer_values,
)
from storyline.errors import BadRequest, NotFound
from storyline.planning.access import event_visible
from storyline.projects.models import ProjectGroupMember
from storyline.sqltools import Prepared, like, like_pattern
from storyline.stories.models import (
    STORY_STATUSES,
    TASK_PRIORITIES,
    TASK_STATUSES,
    Event,
    Story,
    StoryTag,
    Tag,
    Task,
)
from storyline.subscriptions.models import Subscription
from storyline.timeline import EVENT_TYPES

STORY_SORT = {c.key: c for c in Story.__table__.columns if not c.key.startswith("count_")}
TASK_SORT = {c.key: c for c in Task.__table__.columns}
EVENT_SORT = {c.key: c for c in Event.__table__.columns}


def _check_values(field: str, values: list[str], allowed: tuple[str, ...]) -> None:
    for v in values:
        if v not in allowed:
            raise BadRequest(f"Invalid {field} '{v}'; valid values: {', '.join(allowed)}", field=field)


def stories_list(
    viewer: Viewer,
    *,
    title: str | None = None,
    description: str | None = None,
    status: list[str] | None = None,
    assignee_id: int | None = None,
    creator_id: int | None = None,
    project_id: int | None = None,
    project_group_id: int | None = None,
    branch_id: int | None = None,
    milestone_id: int | None = None,
    subscriber_id: int | None = None,
    tags: list[str] | None = None,
    tags_filter_type: str = "all",
    updated_since: dt.datetime | None = None,
) -> Prepared:
    """The stories the viewer may see that match the filters (every filter given must hold)."""
    check_subscriber_filter(viewer, subscriber_id)
    if status:
        _check_values("status", status, STORY_STATUSES)
    if tags_filter_type not in ("all", "any"):
        raise BadRequest("tags_filter_type must be 'all' or 'any'", field="tags_filter_type")
    values: dict[str, Any] = viewer_values(viewer)
    if title:
        values["title"] = like_pattern(title)
    if description:
        values["description"] = like_pattern(description)
    if status:
        values["status"] = list(status)
    if updated_since is not None and updated_since.microsecond:
        # Times are stored in whole seconds: a change later in the same second as a fractional
        # `updated_since` (boartty sends its clock's utcnow()) is stored at that second. Keep it:
        # "updated_at > since" becomes "updated_at >= the whole second of since".
        updated_since = updated_since.replace(microsecond=0) - dt.timedelta(seconds=1)
    for name, value in (("creator_id", creator_id), ("assignee_id", assignee_id), ("project_id", project_id),
                        ("branch_id", branch_id), ("milestone_id", milestone_id),
                        ("project_group_id", project_group_id), ("subscriber_id", subscriber_id),
                        ("updated_since", updated_since)):
        if value is not None:
            values[name] = value
    if tags:
        values["tags"] = list(tags)
        if tags_filter_type == "all":
            values["tag_count"] = len(set(tags))
    shape = ("stories", viewer.authenticated, tuple(values), tags_filter_type)
    return Prepared(shape, lambda: _stories_statement(viewer.authenticated, set(values), tags_filter_type),
                    values)


def _stories_statement(authenticated: bool, given: set[str], tags_filter_type: str) -> Select[Any]:
    """stories_list's statement for the filters named in `given`, every value a bound parameter."""
    stmt = select(Story).where(story_visible_bound(authenticated))
    if "title" in given:
        stmt = stmt.where(like(Story.title, bindparam("title")))
    if "description" in given:
        stmt = stmt.where(like(Story.description, bindparam("description")))
    if "status" in given:
        stmt = stmt.where(Story.status.in_(bindparam("status", expanding=True)))
    if "creator_id" in given:
        stmt = stmt.where(Story.creator_id == bindparam("creator_id"))
    # Additive (StoryBoard has neither): stories with a task on that branch / milestone.
    task_conds = [col == bindparam(name) for name, col in (
        ("assignee_id", Task.assignee_id), ("project_id", Task.project_id),
        ("branch_id", Task.branch_id), ("milestone_id", Task.milestone_id)) if name in given]
    # "id IN (stories of the matching tasks)", not a correlated EXISTS: SQLite then reads the few
    # matching tasks through their index instead of probing the tasks of every public story (9x
    # faster on 800 stories, and the gap grows with the number of stories); same rows.
    if task_conds:
        stmt = stmt.where(Story.id.in_(select(Task.story_id).where(*task_conds)))
    if "project_group_id" in given:
        stmt = stmt.where(Story.id.in_(select(Task.story_id).where(
            Task.project_id.in_(select(ProjectGroupMember.project_id)
                                .where(ProjectGroupMember.project_group_id == bindparam("project_group_id"))))))
    if "subscriber_id" in given:
        stmt = stmt.where(exists().where(
            Subscription.target_type == "story", Subscription.target_id == Story.id,
            Subscription.user_id == bindparam("subscriber_id")))
    if "tags" in given:
        tagged = (select(StoryTag.story_id).join(Tag, Tag.id == StoryTag.tag_id)
                  .where(Tag.name.in_(bindparam("tags", expanding=True))))
        if tags_filter_type == "all":
            tagged = (tagged.group_by(StoryTag.story_id)
                      .having(func.count(func.distinct(Tag.name)) == bindparam("tag_count")))
        stmt = stmt.where(Story.id.in_(tagged))
    if "updated_since" in given:
        stmt = stmt.where(Story.updated_at > bindparam("updated_since"))
    return stmt


_TASK_EQUALS = ("story_id", "assignee_id", "project_id", "branch_id", "milestone_id")


def tasks_list(
    viewer: Viewer,
    *,
    title: str | None = None,
    link: str | None = None,
    story_id: int | list[int] | None = None,
    assignee_id: int | None = None,
    project_id: int | None = None,
    project_group_id: int | None = None,
    branch_id: int | None = None,
    milestone_id: int | None = None,
    status: list[str] | None = None,
    priority: list[str] | None = None,
) -> Prepared:
    """The tasks of stories the viewer may see that match the filters (every filter given must hold).
    Several `story_id`s: the tasks of any of them (one request for a page of stories' tasks)."""
    if isinstance(story_id, list):
        story_ids = sorted(set(story_id))
        story_id = story_ids[0] if len(story_ids) == 1 else None
    else:
        story_ids = []
    if status:
        _check_values("status", status, TASK_STATUSES)
    if priority:
        _check_values("priority", priority, TASK_PRIORITIES)
    values: dict[str, Any] = viewer_values(viewer)
    if title:
        values["title"] = like_pattern(title)
    if link:
        values["link"] = like_pattern(link)
    for name, value in (("story_id", story_id), ("assignee_id", assignee_id), ("project_id", project_id),
                        ("branch_id", branch_id), ("milestone_id", milestone_id),
                        ("project_group_id", project_group_id)):
        if value is not None:
            values[name] = value
    if len(story_ids) > 1:
        values["story_ids"] = story_ids
    if status:
        values["status"] = list(status)
    if priority:
        values["priority"] = list(priority)
    shape = ("tasks", viewer.authenticated, tuple(values))
    return Prepared(shape, lambda: _tasks_statement(viewer.authenticated, set(values)), values)


def _tasks_statement(authenticated: bool, given: set[str]) -> Select[Any]:
    """tasks_list's statement for the filters named in `given`, every value a bound parameter."""
    stmt = select(Task).join(Story, Story.id == Task.story_id).where(story_visible_bound(authenticated))
    if "title" in given:
        stmt = stmt.where(like(Task.title, bindparam("title")))
    if "link" in given:
        stmt = stmt.where(like(Task.link, bindparam("link")))
    for name in _TASK_EQUALS:
        if name in given:
            stmt = stmt.where(getattr(Task, name) == bindparam(name))
    if "project_group_id" in given:
        stmt = stmt.where(Task.project_id.in_(
            select(ProjectGroupMember.project_id)
            .where(ProjectGroupMember.project_group_id == bindparam("project_group_id"))))
    if "story_ids" in given:
        stmt = stmt.where(Task.story_id.in_(bindparam("story_ids", expanding=True)))
    if "status" in given:
        stmt = stmt.where(Task.status.in_(bindparam("status", expanding=True)))
    if "priority" in given:
        stmt = stmt.where(Task.priority.in_(bindparam("priority", expanding=True)))
    return stmt


def events_select(viewer: Viewer, *, story_id: int | None = None, worklist_id: int | None = None,
                  board_id: int | None = None, event_type: list[str] | None = None) -> Select[Any]:
    # An event is visible when its story (if any) and its worklist or board (if any) are.
    stmt = select(Event).where(event_visible(viewer, Event.worklist_id, Event.board_id))
    if story_id is not None:
        stmt = stmt.where(Event.story_id == story_id, exists().where(
            and_(Story.id == story_id, story_visible(viewer))))
    else:
        stmt = stmt.where(story_id_visible(viewer, Event.story_id))
    if worklist_id is not None:
        stmt = stmt.where(Event.worklist_id == worklist_id)
    if board_id is not None:
        stmt = stmt.where(Event.board_id == board_id)
    if event_type:
        _check_values("event_type", event_type, EVENT_TYPES)
        stmt = stmt.where(Event.event_type.in_(event_type))
    return stmt


# get_task's statements, built once per kind of viewer (anonymous, authenticated), ids bound at run time.
_TASK = {authenticated: select(Task).join(Story, Story.id == Task.story_id)
         .where(Task.id == bindparam("task_id"), story_visible_bound(authenticated))
         for authenticated in (False, True)}


def get_task(session: Session, viewer: Viewer, task_id: int) -> Task:
    """A task whose story the viewer may see; 404 otherwise."""
    task = session.execute(_TASK[viewer.authenticated],
                           {"task_id": task_id, **viewer_values(viewer)}).scalar_one_or_none()
    if task is None:
        raise NotFound(f"Task {task_id} not found")
    return task


def get_event(session: Session, viewer: Viewer, event_id: int, story_id: int | None = None) -> Event:
    stmt = select(Event).where(Event.id == event_id, story_id_visible(viewer, Event.story_id),
                               event_visible(viewer, Event.worklist_id, Event.board_id))
    if story_id is not None:
        stmt = stmt.where(Event.story_id == story_id)
    event = session.execute(stmt).scalar_one_or_none()
    if event is None:
        raise NotFound(f"Event {event_id} not found")
    return event
