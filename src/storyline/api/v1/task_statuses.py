"""/v1/task_statuses"""

from __future__ import annotations

from fastapi import Query

from storyline.api.common import JSON, json_response
from storyline.api.deps import ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.schemas import Out
from storyline.stories.models import TASK_STATUS_NAMES, TASK_STATUSES

router = Router(prefix="/task_statuses", tags=["task_statuses"])


class TaskStatusOut(Out):
    key: str
    name: str


@router.get("", responses={200: {"model": list[TaskStatusOut]}})
def list_task_statuses(
    limit: int | None = Query(None, description="Maximum rows; omitted = every row"),
    offset: int | None = Query(None, description="Rows to skip"),
    name: str | None = Query(None, description="Substring of the display name, case-insensitive"),
    viewer: Viewer = ViewerDep,
) -> JSON:
    """The five task statuses, in StoryBoard's fixed order."""
    rows = [{"key": key, "name": TASK_STATUS_NAMES[key]} for key in TASK_STATUSES]
    if name:
        rows = [r for r in rows if name.lower() in r["name"].lower()]
    headers = {"X-Total": str(len(rows))}
    if offset is not None:
        offset = max(offset, 0)
        headers["X-Offset"] = str(offset)
        rows = rows[offset:]
    if limit is not None:
        limit = max(limit, 0)
        if limit:
            headers["X-Limit"] = str(limit)
        rows = rows[:limit]
    return json_response(rows, headers)
