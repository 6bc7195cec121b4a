"""/v1/tasks and /v1/stories/{story_id}/tasks"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, Prepared, Responses, json_response, no_content, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, get_story, require_user
from storyline.errors import BadRequest
from storyline.search.index import only_matching
from storyline.stories import queries, task_service
from storyline.stories.models import Task
from storyline.stories.schemas import TaskIn, TaskOut, TaskUpdate
from storyline.stories.serialize import TASK_COLUMNS, task_json, task_rows_json

router = Router(tags=["tasks"])
LIST: Responses = {200: {"model": list[TaskOut]}}
ONE: Responses = {200: {"model": TaskOut}}


class TaskFilters:
    """The task filter query parameters (see task_filters)."""

    def __init__(self, kw: dict[str, Any]) -> None:
        self.kw = kw


async def task_filters(
    assignee_id: int | None = None,
    project_id: int | None = None,
    project_group_id: int | None = None,
    branch_id: int | None = None,
    milestone_id: int | None = None,
    status: list[str] | None = Query(None),
    priority: list[str] | None = Query(None),
) -> TaskFilters:
    # async: a pure function of the query, so FastAPI calls it without a threadpool hop.
    return TaskFilters({
        "assignee_id": assignee_id, "project_id": project_id, "project_group_id": project_group_id,
        "branch_id": branch_id, "milestone_id": milestone_id, "status": status, "priority": priority})


def _list(request: Request, session: Session, q: Prepared, p: Paging) -> JSON:
    q = q.narrowed("columns", lambda stmt: stmt.with_only_columns(*TASK_COLUMNS))
    page = paginate(session, q, id_column=Task.id,
                    sort_columns=queries.TASK_SORT, params=p, cap=request.app.state.settings.max_page_size,
                    fetch="tuples")
    return json_response(task_rows_json(page.rows), page.headers)


# Several story_id values: a page of stories' tasks in one request (the web client's story lists).
MAX_STORY_IDS = 500


@router.get("/tasks", responses=LIST)
def list_tasks(request: Request, title: str | None = None, link: str | None = None,
               story_id: list[int] | None = Query(None, description="A story's tasks; given several times, "
                                                 "the tasks of any of those stories (additive)"),
               f: TaskFilters = Depends(task_filters), p: Paging = Depends(paging),
               session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    if story_id and len(story_id) > MAX_STORY_IDS:
        raise BadRequest(f"At most {MAX_STORY_IDS} story_id values at once", field="story_id")
    return _list(request, session, queries.tasks_list(viewer, title=title, link=link, story_id=story_id, **f.kw), p)


@router.get("/tasks/search", responses=LIST)
def search_tasks(request: Request, q: str = Query(""), story_id: int | None = None,
                 f: TaskFilters = Depends(task_filters), p: Paging = Depends(paging),
                 session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    tasks = queries.tasks_list(viewer, story_id=story_id, **f.kw)
    return _list(request, session, only_matching(tasks, session, "task", Task.id, q), p)


@router.get("/tasks/{task_id}", responses=ONE)
def get_task(task_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(task_json(queries.get_task(session, viewer, task_id)))


@router.post("/tasks", responses=ONE)
def create_task(body: TaskIn, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    return json_response(task_json(task_service.do_create_task(session, viewer, body.model_dump())))


@router.put("/tasks/{task_id}", responses=ONE)
def update_task(task_id: int, body: TaskUpdate, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    task = queries.get_task(session, viewer, task_id)
    return json_response(task_json(task_service.do_update_task(session, viewer, task, body.changes())))


@router.delete("/tasks/{task_id}", status_code=204, response_class=Response)
def delete_task(task_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> Response:
    require_user(viewer)
    task_service.do_delete_task(session, viewer, queries.get_task(session, viewer, task_id))
    return no_content()


# Nested under a story.

def _story_task(session: Session, viewer: Viewer, story_id: int, task_id: int) -> Task:
    get_story(session, viewer, story_id)
    task = queries.get_task(session, viewer, task_id)
    if task.story_id != story_id:
        raise BadRequest(f"Task {task_id} does not belong to story {story_id}", field="task_id")
    return task


@router.get("/stories/{story_id}/tasks", responses=LIST)
def list_story_tasks(request: Request, story_id: int, title: str | None = None, link: str | None = None,
                     f: TaskFilters = Depends(task_filters), p: Paging = Depends(paging),
                     session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    get_story(session, viewer, story_id)
    return _list(request, session, queries.tasks_list(viewer, title=title, link=link, story_id=story_id, **f.kw), p)


@router.post("/stories/{story_id}/tasks", responses=ONE)
def create_story_task(story_id: int, body: TaskIn, session: Session = SessionDep,
                      viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    get_story(session, viewer, story_id)
    if body.story_id is not None and body.story_id != story_id:
        raise BadRequest("story_id in the body differs from the story in the path", field="story_id")
    data = body.model_dump()
    data["story_id"] = story_id
    return json_response(task_json(task_service.do_create_task(session, viewer, data)))


@router.get("/stories/{story_id}/tasks/{task_id}", responses=ONE)
def get_story_task(story_id: int, task_id: int, session: Session = SessionDep,
                   viewer: Viewer = ViewerDep) -> JSON:
    return json_response(task_json(_story_task(session, viewer, story_id, task_id)))


@router.put("/stories/{story_id}/tasks/{task_id}", responses=ONE)
def update_story_task(story_id: int, task_id: int, body: TaskUpdate, session: Session = SessionDep,
                      viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    task = _story_task(session, viewer, story_id, task_id)
    changes = body.changes()
    if changes.get("story_id") not in (None, story_id):
        raise BadRequest("A nested task update cannot move the task to another story", field="story_id")
    return json_response(task_json(task_service.do_update_task(session, viewer, task, changes)))


@router.delete("/stories/{story_id}/tasks/{task_id}", status_code=204, response_class=Response)
def delete_story_task(story_id: int, task_id: int, session: Session = SessionDep,
                      viewer: Viewer = ViewerDep) -> Response:
    require_user(viewer)
    task_service.do_delete_task(session, viewer, _story_task(session, viewer, story_id, task_id))
    return no_content()
