"""Filtered, visible selects of stories, tasks and events for the v1 lists and searches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from storyline.api.common import like
from storyline.authz import Viewer, story_id_visible, story_visible
from storyline.errors import BadRequest, NotFound
from storyline.planning.access import event_visible
from storyline.projects.models import ProjectGroupMember
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
from storyline.stories.timeline import EVENT_TYPES
from storyline.subscriptions.models import Subscription

STORY_SORT = {c.key: c for c in Story.__table__.columns if not c.key.startswith("count_")}
TASK_SORT = {c.key: c for c in Task.__table__.columns}
EVENT_SORT = {c.key: c for c in Event.__table__.columns}


def _check_values(field: str, values: list[str], allowed: tuple[str, ...]) -> None:
    for v in values:
        if v not in allowed:
            raise BadRequest(f"Invalid {field} '{v}'; valid values: {', '.join(allowed)}", field=field)


def stories_select(
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
) -> Select[Any]:
    stmt = select(Story).where(story_visible(viewer))
    if title:
        stmt = stmt.where(like(Story.title, title))
    if description:
        stmt = stmt.where(like(Story.description, description))
    if status:
        _check_values("status", status, STORY_STATUSES)
        stmt = stmt.where(Story.status.in_(status))
    if creator_id is not None:
        stmt = stmt.where(Story.creator_id == creator_id)
    task_conds = []
    if assignee_id is not None:
        task_conds.append(Task.assignee_id == assignee_id)
    if project_id is not None:
        task_conds.append(Task.project_id == project_id)
    # Additive (StoryBoard has neither): stories with a task on that branch / milestone.
    if branch_id is not None:
        task_conds.append(Task.branch_id == branch_id)
    if milestone_id is not None:
        task_conds.append(Task.milestone_id == milestone_id)
    # "id IN (stories of the matching tasks)", not a correlated EXISTS: SQLite then reads the few
    # matching tasks through their index instead of probing the tasks of every public story (9x
    # faster on 800 stories, and the gap grows with the number of stories); same rows.
    if task_conds:
        stmt = stmt.where(Story.id.in_(select(Task.story_id).where(*task_conds)))
    if project_group_id is not None:
        stmt = stmt.where(Story.id.in_(select(Task.story_id).where(
            Task.project_id.in_(select(ProjectGroupMember.project_id)
                                .where(ProjectGroupMember.project_group_id == project_group_id)))))
    if subscriber_id is not None:
        stmt = stmt.where(exists().where(
            Subscription.target_type == "story", Subscription.target_id == Story.id,
            Subscription.user_id == subscriber_id))
    if tags:
        if tags_filter_type not in ("all", "any"):
            raise BadRequest("tags_filter_type must be 'all' or 'any'", field="tags_filter_type")
        tagged = select(StoryTag.story_id).join(Tag, Tag.id == StoryTag.tag_id).where(Tag.name.in_(tags))
        if tags_filter_type == "all":
            tagged = tagged.group_by(StoryTag.story_id).having(func.count(func.distinct(Tag.name)) == len(set(tags)))
        stmt = stmt.where(Story.id.in_(tagged))
    elif tags_filter_type not in ("all", "any"):
        raise BadRequest("tags_filter_type must be 'all' or 'any'", field="tags_filter_type")
    if updated_since is not None:
        stmt = stmt.where(Story.updated_at > updated_since)
    return stmt


def tasks_select(
    viewer: Viewer,
    *,
    title: str | None = None,
    link: str | None = None,
    story_id: int | None = None,
    assignee_id: int | None = None,
    project_id: int | None = None,
    project_group_id: int | None = None,
    branch_id: int | None = None,
    milestone_id: int | None = None,
    status: list[str] | None = None,
    priority: list[str] | None = None,
) -> Select[Any]:
    stmt = select(Task).join(Story, Story.id == Task.story_id).where(story_visible(viewer))
    if title:
        stmt = stmt.where(like(Task.title, title))
    if link:
        stmt = stmt.where(like(Task.link, link))
    for col, value in ((Task.story_id, story_id), (Task.assignee_id, assignee_id),
                       (Task.project_id, project_id), (Task.branch_id, branch_id),
                       (Task.milestone_id, milestone_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    if project_group_id is not None:
        stmt = stmt.where(Task.project_id.in_(
            select(ProjectGroupMember.project_id).where(ProjectGroupMember.project_group_id == project_group_id)))
    if status:
        _check_values("status", status, TASK_STATUSES)
        stmt = stmt.where(Task.status.in_(status))
    if priority:
        _check_values("priority", priority, TASK_PRIORITIES)
        stmt = stmt.where(Task.priority.in_(priority))
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


def get_task(session: Session, viewer: Viewer, task_id: int) -> Task:
    """A task whose story the viewer may see; 404 otherwise."""
    task = session.execute(
        select(Task).join(Story, Story.id == Task.story_id).where(Task.id == task_id, story_visible(viewer))
    ).scalar_one_or_none()
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
