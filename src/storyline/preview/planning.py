"""Preview: automatic worklists saved from a search, and one-action review dashboards."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session

from storyline.api.common import JSON, json_response
from storyline.api.deps import SessionDep, ViewerDep
from storyline.authz import Viewer, require_user
from storyline.planning import dashboards, serialize
from storyline.planning.schemas import BoardOut, WorklistOut
from storyline.schemas import DbId, In

router = APIRouter(tags=["preview"])
Title = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class SavedSearchIn(In):
    title: Title
    type: Literal["Story", "Task"] = Field("Story", description="Stories or tasks")
    private: bool = False
    project_id: DbId | None = None
    project_group_id: DbId | None = None
    assignee_id: DbId | None = None
    branch_id: DbId | None = None
    milestone_id: DbId | None = None
    story_status: list[str] = Field(default_factory=list, max_length=3, description="Any of")
    task_status: list[str] = Field(default_factory=list, max_length=5, description="Any of")
    tags: list[Short] = Field(default_factory=list, max_length=10, description="All of")
    text: Short | None = Field(None, description="Title contains (case-insensitive)")
    updated_before: Annotated[str, StringConstraints(max_length=64)] | None = Field(None, description="ISO-8601")
    updated_after: Annotated[str, StringConstraints(max_length=64)] | None = Field(None, description="ISO-8601")
    inactive_days: Annotated[int, Field(ge=0, le=100_000)] | None = None


class DashboardIn(In):
    project_id: DbId | None = None
    project_group_id: DbId | None = None
    title: Title | None = None
    private: bool = False
    stale_days: Annotated[int, Field(ge=1, le=3650)] = 7
    recent_days: Annotated[int, Field(ge=1, le=3650)] = 14


@router.post("/worklists/from_search", responses={200: {"model": WorklistOut}})
def save_search(request: Request, body: SavedSearchIn, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    """Preview: save a story or task search as an automatic worklist (a v1 worklist; usable as a lane)."""
    require_user(viewer)
    wl = dashboards.do_create_search_worklist(session, viewer, body.model_dump())
    cap = int(request.app.state.settings.max_page_size)
    return json_response(serialize.worklists_json(session, viewer, [wl], resolve=True, cap=cap)[0])


@router.post("/review_dashboards", responses={200: {"model": BoardOut}})
def create_review_dashboard(request: Request, body: DashboardIn, session: Session = SessionDep,
                            viewer: Viewer = ViewerDep) -> JSON:
    """Preview: a board for a project or group: needs review, in progress without activity, recently merged."""
    require_user(viewer)
    board = dashboards.do_create_review_dashboard(session, viewer, body.model_dump())
    cap = int(request.app.state.settings.max_page_size)
    return json_response(serialize.boards_json(session, viewer, [board], resolve=True, cap=cap)[0])
