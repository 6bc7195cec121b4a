"""Preview: one change to many stories or tasks in one request, all or nothing, reported per item.

Every item goes through the service function its v1 endpoint uses (tags: `do_add_tags` /
`do_remove_tags`; task fields: `do_update_task`), each in a savepoint of the request's one transaction,
so the checks are exactly the v1 ones and the timeline events, outbox rows and search documents are
written as usual. When any item is refused, the whole change is rolled back (no row, no event, no
outbox work) and the answer is a 400 listing every item with its own outcome; otherwise it commits
with the request and lists every item's new state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from fastapi import Request
from pydantic import Field
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storyline import outbox
from storyline.api.common import JSON, json_response
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, get_story, require_user
from storyline.errors import BadRequest, StorylineError
from storyline.schemas import DbId, In, Out
from storyline.stories import queries, service, task_service
from storyline.stories.models import Story, StoryTag, Tag, Task
from storyline.stories.schemas import Priority, StoryOut, TagName, TaskOut, TaskStatus
from storyline.stories.serialize import stories_json, task_json

PREVIEW = "Preview: not yet stable; may change without notice."
router = Router(tags=["preview"])

# The task fields a bulk change may set (on the tasks listed, or on the tasks of the stories listed).
TASK_FIELDS = ("status", "priority", "assignee_id", "project_id", "branch_id", "milestone_id")
TAG_FIELDS = ("add_tags", "remove_tags")
# Ids one request may list, whatever the setting (the body's own bound; `bulk_max_items` is the real cap).
MAX_LISTED = 5000


class BulkChange(In):
    """One change. Tags apply to stories; the task fields to the tasks listed or to the tasks of the
    stories listed (of one project with `project_id` in the request). `assignee_id` and
    `milestone_id` may be null (unassign, no milestone)."""

    add_tags: list[TagName] | None = Field(None, max_length=50)
    remove_tags: list[TagName] | None = Field(None, max_length=50)
    status: TaskStatus | None = None
    priority: Priority | None = None
    assignee_id: DbId | None = None
    project_id: DbId | None = Field(None, description="Move the tasks to this project (its master branch "
                                    "unless branch_id is given)")
    branch_id: DbId | None = None
    milestone_id: DbId | None = None


class BulkIn(In):
    stories: list[DbId] | None = Field(None, max_length=MAX_LISTED, description="Story ids (or give tasks)")
    tasks: list[DbId] | None = Field(None, max_length=MAX_LISTED, description="Task ids (or give stories)")
    project_id: DbId | None = Field(None, description="With stories and task fields: change only their tasks "
                                    "on this project")
    change: BulkChange


class ItemError(Out):
    status: int = Field(description="What the v1 API would answer for this item alone: 400, 403 or 404")
    message: str
    field: str | None


class BulkItemOut(Out):
    type: Literal["story", "task"]
    id: int
    ok: bool
    changed: bool = Field(description="False when the item already had the values (nothing written for it)")
    error: ItemError | None
    story: StoryOut | None = Field(None, description="Its new state (only when the change was made)")
    task: TaskOut | None = Field(None, description="Its new state (only when the change was made)")


class BulkOut(Out):
    ok: bool
    changed: int = Field(description="How many items changed")
    items: list[BulkItemOut]


class BulkRefusedOut(Out):
    message: str
    field: str
    faultstring: str
    items: list[BulkItemOut]


@dataclass
class _Item:
    type: Literal["story", "task"]
    id: int
    changed: bool = False
    error: StorylineError | None = None
    obj: Any = None

    def json(self, written: bool, story_shapes: dict[int, dict[str, Any]]) -> dict[str, Any]:
        error = None
        if self.error is not None:
            error = {"status": self.error.status_code, "message": self.error.message,
                     "field": self.error.field or ("stories" if self.type == "story" else "tasks")}
        out: dict[str, Any] = {"type": self.type, "id": self.id, "ok": self.error is None, "changed": self.changed,
                               "error": error, "story": None, "task": None}
        if written and self.obj is not None:
            if self.type == "story":
                out["story"] = story_shapes.get(self.id)
            else:
                out["task"] = task_json(self.obj)
        return out


_TAG_NAMES = (select(Tag.name).join(StoryTag, StoryTag.tag_id == Tag.id)
              .where(StoryTag.story_id == bindparam("story_id")))


def _change_tags(session: Session, viewer: Viewer, story: Story, change: dict[str, Any]) -> bool:
    """Adds the tags the story lacks, removes those it has: a story that already agrees is left alone."""
    present = set(session.connection().execute(_TAG_NAMES, {"story_id": story.id}).scalars())
    add = [t for t in dict.fromkeys(change.get("add_tags") or []) if t not in present]
    remove = [t for t in dict.fromkeys(change.get("remove_tags") or []) if t in present and t not in add]
    if add:
        service.do_add_tags(session, viewer, story, add)
    if remove:
        service.do_remove_tags(session, viewer, story, remove)
    return bool(add or remove)


def _change_task(session: Session, viewer: Viewer, task: Task, fields: dict[str, Any]) -> bool:
    """do_update_task with the fields, unless the task already has them all."""
    if all(getattr(task, key) == value for key, value in fields.items()):
        return False
    task_service.do_update_task(session, viewer, task, dict(fields))
    return True


def _attempt(session: Session, item: _Item, work: Callable[[], tuple[Any, bool]]) -> None:
    """Run one item's change in a savepoint; a refusal rolls back that item only and is recorded."""
    savepoint = session.begin_nested()
    try:
        item.obj, item.changed = work()
        savepoint.commit()
    except StorylineError as exc:
        savepoint.rollback()
        session.expire_all()  # objects may show values of the rolled-back statements (Core + set_committed_value)
        item.error, item.changed, item.obj = exc, False, None


def do_bulk(session: Session, viewer: Viewer, body: BulkIn, max_items: int) -> tuple[bool, list[_Item]]:
    """Every item's outcome; True when all passed (then everything is written, in the caller's
    transaction), False when any was refused (then nothing is)."""
    require_user(viewer)
    if bool(body.stories) == bool(body.tasks):
        raise BadRequest("Give either stories or tasks (a non-empty list of ids)", field="stories")
    change = body.change.changes()
    task_fields = {k: change[k] for k in TASK_FIELDS if k in change}
    tag_fields = {k: change[k] for k in TAG_FIELDS if change.get(k)}
    if not task_fields and not tag_fields:
        raise BadRequest("The change is empty: give tags to add or remove, or task fields", field="change")
    if body.tasks and tag_fields:
        raise BadRequest("Tags are changed on stories, not on tasks", field="change.add_tags"
                         if "add_tags" in tag_fields else "change.remove_tags")
    if body.tasks and body.project_id is not None:
        raise BadRequest("project_id filters the tasks of the stories listed", field="project_id")
    selection = "stories" if body.stories else "tasks"
    ids = list(dict.fromkeys(body.stories or body.tasks or []))
    if len(ids) > max_items:
        raise BadRequest(f"At most {max_items} items at once", field=selection)

    outer = session.begin_nested()
    items: list[_Item] = []
    if body.tasks:
        for task_id in ids:
            item = _Item("task", task_id)
            items.append(item)
            _attempt(session, item, partial(_one_task, session, viewer, task_id, task_fields))
    else:
        reached = 0
        for story_id in ids:
            item = _Item("story", story_id)
            items.append(item)
            _attempt(session, item, partial(_one_story, session, viewer, story_id, tag_fields))
            if item.error is not None or not task_fields:
                continue
            stmt = select(Task).where(Task.story_id == story_id).order_by(Task.id)
            if body.project_id is not None:
                stmt = stmt.where(Task.project_id == body.project_id)
            tasks = list(session.execute(stmt).scalars())
            reached += len(tasks)
            if len(ids) + reached > max_items:
                outer.rollback()
                session.info.pop(outbox.QUEUED, None)
                raise BadRequest(f"At most {max_items} items at once: these stories have more tasks than that",
                                 field="stories")
            for task in tasks:
                task_item = _Item("task", task.id)
                items.append(task_item)
                _attempt(session, task_item, partial(_task_as_is, session, viewer, task, task_fields))
    if any(item.error is not None for item in items):
        outer.rollback()
        session.expire_all()
        session.info.pop(outbox.QUEUED, None)  # nothing was queued after all
        return False, items
    outer.commit()
    return True, items


def _one_story(session: Session, viewer: Viewer, story_id: int, tag_fields: dict[str, Any]) -> tuple[Story, bool]:
    story = get_story(session, viewer, story_id)  # missing and invisible alike: "Story N not found"
    return story, _change_tags(session, viewer, story, tag_fields) if tag_fields else False


def _task_as_is(session: Session, viewer: Viewer, task: Task, fields: dict[str, Any]) -> tuple[Task, bool]:
    return task, _change_task(session, viewer, task, fields)


def _one_task(session: Session, viewer: Viewer, task_id: int, fields: dict[str, Any]) -> tuple[Task, bool]:
    task = queries.get_task(session, viewer, task_id)  # a task of a story the caller cannot see: not found
    return task, _change_task(session, viewer, task, fields)


@router.post(
    "/bulk", summary="Change many stories or tasks at once, all or nothing (preview)",
    responses={200: {"model": BulkOut}, 400: {"model": BulkRefusedOut}},
    description=PREVIEW + " One change (tags to add or remove on stories; status, priority, assignee, project, "
    "branch or milestone of tasks, or of the tasks of the stories listed, of one project with `project_id`) to "
    "at most `bulk_max_items` items (500 by default; a story selection counts its tasks too). Each item is "
    "checked and changed as its v1 endpoint would; a story or task the caller cannot see is reported exactly "
    "like a missing one. If any item is refused, nothing is written and the answer is a 400 whose `items` "
    "give each item's outcome (`error` with `status`, `message`, `field`); otherwise everything is written in "
    "one transaction (timeline events, notifications, search as usual) and `items` give each item's new state. "
    "An item that already has the values is left alone (`changed`: false).")
def bulk_change(body: BulkIn, request: Request, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    passed, items = do_bulk(session, viewer, body, request.app.state.settings.bulk_max_items)
    if not passed:
        # No counts in the text: `items` says which and how many (and a number there could read like an id).
        message = "Some items cannot be changed (see items); nothing was changed"
        return JSON({"message": message, "field": "items", "faultstring": message,
                     "items": [item.json(False, {}) for item in items]}, status_code=400)
    stories = [item.obj for item in items if item.type == "story" and item.obj is not None]
    shapes = {d["id"]: d for d in stories_json(session, viewer, stories)}
    return json_response({"ok": True, "changed": sum(1 for item in items if item.changed),
                          "items": [item.json(True, shapes) for item in items]})
