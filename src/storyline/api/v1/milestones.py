"""/v1/milestones (no DELETE)."""

from __future__ import annotations

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, Responses, json_response, paginate, paging
from storyline.api.deps import SessionDep, SuperuserFirst, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.projects import queries, service
from storyline.projects.models import Milestone
from storyline.projects.schemas import MilestoneIn, MilestoneOut, MilestoneUpdate

router = Router(prefix="/milestones", tags=["milestones"])

SORT = {c.key: c for c in Milestone.__table__.columns}
LIST: Responses = {200: {"model": list[MilestoneOut]}}
ONE: Responses = {200: {"model": MilestoneOut}}


@router.get("", responses=LIST)
def list_milestones(
    request: Request,
    name: str | None = None,
    branch_id: int | None = None,
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    stmt = queries.milestones_query(name=name, branch_id=branch_id)
    cap = request.app.state.settings.max_page_size
    page = paginate(session, stmt, id_column=Milestone.id, sort_columns=SORT, params=p, cap=cap)
    return json_response([queries.milestone_json(m) for m in page.rows], page.headers)


@router.get("/{milestone_id}", responses=ONE)
def get_milestone(milestone_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.milestone_json(queries.get_milestone(session, milestone_id)))


@router.post(
    "", responses=ONE,
    description="`name` is unique per branch. A milestone cannot be created expired; "
                "`expiration_date` is set by the server when the milestone is expired.",
)
def create_milestone(body: MilestoneIn, _first: None = SuperuserFirst, session: Session = SessionDep,
                     viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.milestone_json(service.do_create_milestone_as(session, viewer, body.model_dump())))


@router.put(
    "/{milestone_id}", responses=ONE,
    description="Partial update. A milestone cannot move to another branch; setting `expired` sets "
                "or clears `expiration_date`.",
)
def update_milestone(milestone_id: int, body: MilestoneUpdate, _first: None = SuperuserFirst,
                     session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    milestone = service.do_update_milestone_as(session, viewer, milestone_id, body.changes())
    return json_response(queries.milestone_json(milestone))
