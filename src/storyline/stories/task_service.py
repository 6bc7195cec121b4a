"""Writes on tasks. Every task write bumps its story and project and refreshes the story status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from storyline.authz import Viewer, get_story, require_user
from storyline.db import utcnow
from storyline.errors import BadRequest, NotFound
from storyline.notifications.follow import follow_assignee
from storyline.projects.models import Branch, Milestone, Project, touch_projects
from storyline.projects.queries import master_branch_id
from storyline.search import index as search_index
from storyline.security import service as security
from storyline.sqltools import table_of
from storyline.stories.models import Story, Task
from storyline.stories.service import RESTRICTED_TYPE, refresh_status
from storyline.subscriptions.models import Subscription
from storyline.timeline import emit
from storyline.users.models import User


def _visible_story(session: Session, viewer: Viewer, story_id: int, field: str = "story_id") -> Story:
    try:
        return get_story(session, viewer, story_id)  # one prebuilt statement: the story if visible
    except NotFound:
        raise BadRequest(f"Story {story_id} not found", field=field) from None


_PROJECT_EXISTS = select(Project.id).where(Project.id == bindparam("project_id"))


def _project_exists(session: Session, project_id: int) -> bool:
    return session.connection().execute(_PROJECT_EXISTS, {"project_id": project_id}).first() is not None


def _check_branch(session: Session, story: Story, project_id: int, branch_id: int) -> Branch:
    branch = session.get(Branch, branch_id)
    if branch is None or branch.project_id != project_id:
        raise BadRequest(f"Branch {branch_id} is not a branch of project {project_id}", field="branch_id")
    if branch.expired:
        raise BadRequest(f"Branch {branch_id} is expired", field="branch_id")
    if story.story_type_id == RESTRICTED_TYPE and not branch.restricted:
        raise BadRequest("Tasks of this story type must be on a restricted branch", field="branch_id")
    return branch


def _check_milestone(session: Session, milestone_id: int, branch_id: int, status: str) -> None:
    if status != "merged":
        raise BadRequest("A milestone can be set only on merged tasks", field="milestone_id")
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or milestone.branch_id != branch_id:
        raise BadRequest(f"Milestone {milestone_id} is not on branch {branch_id}", field="milestone_id")
    if milestone.expired:
        raise BadRequest(f"Milestone {milestone_id} is expired", field="milestone_id")


def _check_assignee(session: Session, assignee_id: int | None) -> None:
    if assignee_id is not None and session.get(User, assignee_id) is None:
        raise BadRequest(f"User {assignee_id} not found", field="assignee_id")


# A project's updated_at tells everyone something changed on it: not for a private story's tasks.
_TOUCH_PROJECTS = touch_projects(
    Project.id.in_(bindparam("project_ids", expanding=True)),
    exists().where(Story.id.in_(bindparam("story_ids", expanding=True)), Story.private.is_(False)))


_TOUCH_STORIES = (update(table_of(Story)).where(Story.id.in_(bindparam("story_ids", expanding=True)))
                  .values(updated_at=bindparam("now")))
# PostgreSQL: the stories' rows locked (their updated_at) and the projects' updated_at, one statement.
_TOUCH_STORIES_AND_PROJECTS = _TOUCH_STORIES.add_cte(_TOUCH_PROJECTS[False].cte("touched_projects"))


def _touch(session: Session, story_ids: set[int], project_ids: set[int]) -> None:
    """The stories' updated_at, status and counts, their projects' updated_at."""
    now = utcnow()
    session.flush()
    conn = session.connection()
    ids = sorted(story_ids)
    if conn.dialect.name == "sqlite":
        # One writer at a time: the counts read next cannot change before this transaction ends, so
        # updated_at goes with them in one UPDATE per story.
        refresh_status(session, ids, now=now)
        conn.execute(_TOUCH_PROJECTS[True], {"project_ids": sorted(project_ids), "story_ids": ids, "now": now})
        return
    # The stories' rows are locked before their tasks are counted: two task writes on one story
    # count one after the other (the second sees the first's task once it is committed).
    conn.execute(_TOUCH_STORIES_AND_PROJECTS, {"story_ids": ids, "project_ids": sorted(project_ids), "now": now})
    for sid in ids:
        story = session.identity_map.get(identity_key(Story, sid))
        if story is not None:
            set_committed_value(story, "updated_at", now)
    refresh_status(session, ids)


def do_create_task(session: Session, viewer: Viewer, data: dict[str, Any]) -> Task:
    uid = require_user(viewer)
    if data.get("story_id") is None:
        raise BadRequest("story_id is required", field="story_id")
    if data.get("project_id") is None:
        raise BadRequest("project_id is required", field="project_id")
    if data.get("creator_id") not in (None, uid):
        raise BadRequest("creator_id must be the caller", field="creator_id")
    story = _visible_story(session, viewer, data["story_id"])
    project_id = data["project_id"]
    if not _project_exists(session, project_id):
        raise BadRequest(f"Project {project_id} not found", field="project_id")
    branch_id = data.get("branch_id") or master_branch_id(session, project_id)
    _check_branch(session, story, project_id, branch_id)
    status = data.get("status") or "todo"
    if data.get("milestone_id") is not None:
        _check_milestone(session, data["milestone_id"], branch_id, status)
    _check_assignee(session, data.get("assignee_id"))
    task = Task(
        title=data["title"], status=status, creator_id=uid, story_id=story.id, project_id=project_id,
        branch_id=branch_id, milestone_id=data.get("milestone_id"), assignee_id=data.get("assignee_id"),
        link=data.get("link"), priority=data.get("priority") or "medium", created_at=utcnow(),
    )
    session.add(task)
    session.flush()
    security.on_task_added(session, story, project_id, uid)
    _touch(session, {story.id}, {project_id})
    if task.assignee_id is not None:
        follow_assignee(session, story.id, task.assignee_id)
    emit(session, "task_created", author_id=uid, story_id=story.id, task_id=task.id,
         info={"story_id": story.id, "task_id": task.id, "task_title": task.title})
    search_index.index_task(session, task)
    return task


def _own_story(session: Session, story_id: int) -> Story:
    story = session.get(Story, story_id)
    assert story is not None  # a task's story (the viewer may see it: the task was found through it)
    return story


def do_update_task(session: Session, viewer: Viewer, task: Task, changes: dict[str, Any]) -> Task:
    uid = require_user(viewer)
    old: dict[str, Any] = {"title": task.title, "status": task.status, "priority": task.priority,
           "assignee_id": task.assignee_id, "story_id": task.story_id, "project_id": task.project_id}
    story_id = changes.get("story_id") or task.story_id
    # The task's own story is loaded only when a check below needs it.
    story = _visible_story(session, viewer, story_id) if story_id != task.story_id else None
    project_id = changes.get("project_id") or task.project_id
    if project_id != task.project_id and not _project_exists(session, project_id):
        raise BadRequest(f"Project {project_id} not found", field="project_id")
    if changes.get("branch_id") is not None:
        branch_id = changes["branch_id"]
    elif project_id != task.project_id:
        branch_id = master_branch_id(session, project_id)
    else:
        branch_id = task.branch_id
    if branch_id != task.branch_id or story_id != task.story_id:
        story = story or _own_story(session, story_id)
        _check_branch(session, story, project_id, branch_id)
    status = changes.get("status") or task.status
    if "milestone_id" in changes:
        milestone_id = changes["milestone_id"]
    else:
        milestone_id = task.milestone_id if status == "merged" and branch_id == task.branch_id else None
    if status != "merged":
        if changes.get("milestone_id") is not None:
            raise BadRequest("A milestone can be set only on merged tasks", field="milestone_id")
        milestone_id = None
    elif milestone_id is not None and milestone_id != task.milestone_id:
        _check_milestone(session, milestone_id, branch_id, status)
    if "assignee_id" in changes:
        _check_assignee(session, changes["assignee_id"])

    if changes.get("title") is not None:
        task.title = changes["title"]
    if "link" in changes:
        task.link = changes["link"]
    if "assignee_id" in changes:
        task.assignee_id = changes["assignee_id"]
    if changes.get("priority") is not None:
        task.priority = changes["priority"]
    task.status, task.story_id, task.project_id = status, story_id, project_id
    task.branch_id, task.milestone_id = branch_id, milestone_id
    task.updated_at = utcnow()
    session.flush()
    if project_id != old["project_id"] or story_id != old["story_id"]:
        security.on_task_added(session, story or _own_story(session, story_id), project_id, uid)
    _touch(session, {old["story_id"], story_id}, {old["project_id"], project_id})

    base = {"story_id": story_id, "task_id": task.id, "task_title": old["title"]}
    emitted = False
    for key, etype in (("status", "task_status_changed"), ("priority", "task_priority_changed"),
                       ("assignee_id", "task_assignee_changed")):
        new_value = getattr(task, key)
        if old[key] != new_value:
            name = "assignee_id" if key == "assignee_id" else key
            info = dict(base, **{f"old_{name}": old[key], f"new_{name}": new_value})
            if key == "assignee_id" and new_value is not None:
                follow_assignee(session, story_id, new_value)
            emit(session, etype, author_id=uid, story_id=story_id, task_id=task.id, info=info)
            emitted = True
    if not emitted:
        emit(session, "task_details_changed", author_id=uid, story_id=story_id, task_id=task.id, info=base)
    if task.title != old["title"]:  # a task's document is its title (search.index.index_task)
        search_index.index_task(session, task)
    return task


def do_delete_task(session: Session, viewer: Viewer, task: Task) -> None:
    uid = require_user(viewer)
    story_id, project_id, task_id, title = task.story_id, task.project_id, task.id, task.title
    session.delete(task)
    session.execute(
        delete(table_of(Subscription)).where(Subscription.target_type == "task",
                                              Subscription.target_id == task_id))
    search_index.remove(session, "task", task_id)
    session.flush()
    _touch(session, {story_id}, {project_id})
    emit(session, "task_deleted", author_id=uid, story_id=story_id,
         info={"story_id": story_id, "task_id": task_id, "task_title": title})


__all__ = ["do_create_task", "do_update_task", "do_delete_task"]
