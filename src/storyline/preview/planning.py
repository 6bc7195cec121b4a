"""Preview: automatic worklists saved from a search, a board's new lane (manual or from a saved view) in one
transaction, and one-action review dashboards."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session

from storyline.api.common import JSON, IdPath, json_response
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, require_user
from storyline.errors import BadRequest, NotFound, ValidationFailed
from storyline.planning import (
    access,
    board_service,
    dashboard_service,
    priority_service,
    queries,
    serialize,
    stale_service,
)
from storyline.planning.schemas import BoardOut, WorklistOut
from storyline.schemas import DbId, In, Out
from storyline.search import views

router = Router(tags=["preview"])
Title = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Short = Annotated[str, StringConstraints(min_length=1, max_length=255)]
MAX_LANE_QUERY = 255  # a filter criterion's value (filter_criteria.value)


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


class PriorityListIn(In):
    cycle: Title = Field(description='The cycle, e.g. "2026.2"; the list is titled "Priorities for <cycle>"')
    project_id: DbId | None = None
    team_id: DbId | None = Field(None, description="A team's list is edited by the team's members")
    private: bool = False


class StoryPriorityOut(Out):
    worklist_id: int
    title: str
    cycle: str
    project_id: int | None
    team_id: int | None
    position: int = Field(description="0-based rank among the cards the caller may see")


class StaleRuleIn(In):
    days: Annotated[int, Field(ge=1, le=3650)] = Field(description="Days without activity")
    action: Literal["flag", "reset"] = Field(
        "flag", description="flag: comment on the story; reset: move the task back to todo, with the comment")
    enabled: bool = True


class StaleRuleOut(Out):
    project_id: int
    days: int
    action: str
    enabled: bool
    author_id: int


class DashboardIn(In):
    project_id: DbId | None = None
    project_group_id: DbId | None = None
    team_id: DbId | None = Field(None, description="The tasks assigned to the team's members")
    title: Title | None = None
    private: bool = False
    stale_days: Annotated[int, Field(ge=1, le=3650)] = 7
    recent_days: Annotated[int, Field(ge=1, le=3650)] = 14


@router.post("/worklists/from_search", responses={200: {"model": WorklistOut}})
def save_search(request: Request, body: SavedSearchIn, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    """Preview: save a story or task search as an automatic worklist (a v1 worklist; usable as a lane)."""
    require_user(viewer)
    wl = dashboard_service.do_create_search_worklist(session, viewer, body.model_dump())
    budget = serialize.Budget.of_settings(request.app.state.settings)
    return json_response(serialize.worklists_json(session, viewer, [wl], resolve=True, budget=budget)[0],
                         budget.headers)


class LaneNewIn(In):
    title: Title | None = Field(None, description="The lane's name; for a view's lane, the view's name by default")
    view_id: DbId | None = Field(None, description="One of the caller's saved views (own or shared with them): the "
                                 "lane is automatic, its criterion that view's query (stories), copied now")


@router.post("/boards/{board_id}/lanes", responses={200: {"model": BoardOut}})
def add_lane(request: Request, board_id: IdPath, body: LaneNewIn, session: Session = SessionDep,
             viewer: Viewer = ViewerDep) -> JSON:
    """Preview: a new lane at the end of the board, in one transaction: a manual worklist named `title`, or an
    automatic one from the saved view `view_id` (criterion `Query`, type Story). Needs edit_board; the board
    answers as `GET /v1/boards/{id}` does."""
    require_user(viewer)
    board = access.get_board(session, viewer, board_id)
    title, query = body.title, None
    if body.view_id is not None:
        try:
            view = views.get_view(session, viewer, body.view_id)
        except NotFound as exc:
            raise ValidationFailed("view_id", f"View {body.view_id} not found") from exc
        query = view.query.strip()
        if not query:
            raise ValidationFailed("view_id", f"View {view.id} has no query: a lane needs one")
        if len(query) > MAX_LANE_QUERY:
            raise ValidationFailed("view_id", f"View {view.id}'s query has {len(query)} characters; a lane's query "
                                   f"holds at most {MAX_LANE_QUERY}")
        title = title or view.name[:100]
    if not title:
        raise ValidationFailed("title", "A new lane needs a title (or a view_id)")
    board_service.do_add_lane(session, viewer, board, title, query)
    limit = int(request.app.state.settings.max_board_lanes)
    if queries.lane_count(session, board.id) > limit:
        raise BadRequest(f"A board has at most {limit} lanes on this server", field="lanes")
    budget = serialize.Budget.of_settings(request.app.state.settings, board=True)
    return json_response(serialize.boards_json(session, viewer, [board], resolve=True, budget=budget)[0],
                         budget.headers)


@router.post("/review_dashboards", responses={200: {"model": BoardOut}})
def create_review_dashboard(request: Request, body: DashboardIn, session: Session = SessionDep,
                            viewer: Viewer = ViewerDep) -> JSON:
    """Preview: a board for a project, group or team: needs review, in progress without activity, recently merged."""
    require_user(viewer)
    board = dashboard_service.do_create_review_dashboard(session, viewer, body.model_dump())
    budget = serialize.Budget.of_settings(request.app.state.settings, board=True)
    return json_response(serialize.boards_json(session, viewer, [board], resolve=True, budget=budget)[0],
                         budget.headers)


def _priority_lists(request: Request, session: Session, viewer: Viewer, rows: list) -> list:  # type: ignore[type-arg]
    budget = serialize.Budget.of_settings(request.app.state.settings, board=True)
    lists = serialize.worklists_json(session, viewer, [w for w, _ in rows], resolve=True, budget=budget)
    return [{**d, "priority": priority_service.priority_json(p)} for d, (_, p) in zip(lists, rows, strict=True)]


@router.post("/priority_lists", responses={200: {"model": WorklistOut}})
def create_priority_list(request: Request, body: PriorityListIn, session: Session = SessionDep,
                         viewer: Viewer = ViewerDep) -> JSON:
    """Preview: a project's or team's ordered priorities for a cycle (a manual v1 worklist; 409 if the
    project or team already has one for that cycle)."""
    require_user(viewer)
    wl, row = priority_service.do_create_priority_list(session, viewer, body.model_dump())
    return json_response(_priority_lists(request, session, viewer, [(wl, row)])[0])


@router.get("/priority_lists", responses={200: {"model": list[WorklistOut]}})
def list_priority_lists(request: Request, project_id: DbId | None = None, team_id: DbId | None = None,
                        cycle: str | None = Query(None, max_length=100), session: Session = SessionDep,
                        viewer: Viewer = ViewerDep) -> JSON:
    """Preview: priority lists the caller may see, with their cards (worklist JSON plus `priority`)."""
    stmt = priority_service.priority_lists_select(viewer, project_id=project_id, team_id=team_id, cycle=cycle)
    rows = [tuple(r) for r in session.execute(stmt).all()]
    data = _priority_lists(request, session, viewer, rows)
    return json_response(data, {"X-Total": str(len(data))})


@router.get("/stories/{story_id}/priority_lists", responses={200: {"model": list[StoryPriorityOut]}})
def story_priority_lists(story_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """Preview: the priority lists a story is on, and its position on each."""
    data = priority_service.story_priorities(session, viewer, story_id)
    return json_response(data, {"X-Total": str(len(data))})


@router.get("/projects/{project_id}/stale_rule", responses={200: {"model": StaleRuleOut}})
def get_stale_rule(project_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """Preview: the project's stale-work rule (404 when it has none)."""
    return json_response(stale_service.rule_json(stale_service.get_rule(session, project_id)))


@router.put("/projects/{project_id}/stale_rule", responses={200: {"model": StaleRuleOut}})
def set_stale_rule(project_id: IdPath, body: StaleRuleIn, session: Session = SessionDep,
                   viewer: Viewer = ViewerDep) -> JSON:
    """Preview, superusers: set the rule the worker applies to tasks in progress or review."""
    return json_response(stale_service.rule_json(stale_service.do_set_rule(session, viewer, project_id, body.model_dump())))


class StaleCandidateOut(Out):
    task_id: int
    task_title: str
    story_id: int
    status: str
    last_activity: str | None
    action: str


@router.get("/projects/{project_id}/stale_report", responses={200: {"model": list[StaleCandidateOut]}})
def stale_report(project_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """Preview: dry run of the rule: the tasks the next sweep would change (those the caller may see)."""
    data = stale_service.report(session, viewer, project_id)
    return json_response(data, {"X-Total": str(len(data))})
