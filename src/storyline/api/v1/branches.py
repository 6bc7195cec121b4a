"""/v1/branches (no DELETE)."""

from __future__ import annotations

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, Responses, json_response, paginate, paging
from storyline.api.deps import SessionDep, SuperuserFirst, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.projects import queries, service
from storyline.projects.models import Branch
from storyline.projects.schemas import BranchIn, BranchOut, BranchUpdate

router = Router(prefix="/branches", tags=["branches"])

SORT = {c.key: c for c in Branch.__table__.columns}
LIST: Responses = {200: {"model": list[BranchOut]}}
ONE: Responses = {200: {"model": BranchOut}}


@router.get("", responses=LIST)
def list_branches(
    request: Request,
    name: str | None = None,
    project_id: int | None = None,
    project_group_id: int | None = None,
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    stmt = queries.branches_query(name=name, project_id=project_id, project_group_id=project_group_id)
    cap = request.app.state.settings.max_page_size
    page = paginate(session, stmt, id_column=Branch.id, sort_columns=SORT, params=p, cap=cap)
    return json_response([queries.branch_json(b) for b in page.rows], page.headers)


@router.get("/{branch_id}", responses=ONE)
def get_branch(branch_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.branch_json(queries.get_branch(session, branch_id)))


@router.post(
    "", responses=ONE,
    description="`name` is unique per project. A branch cannot be created expired; "
                "`expiration_date` is set by the server when the branch is expired.",
)
def create_branch(body: BranchIn, _first: None = SuperuserFirst, session: Session = SessionDep,
                  viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.branch_json(service.do_create_branch_as(session, viewer, body.model_dump())))


@router.put(
    "/{branch_id}", responses=ONE,
    description="Partial update. A branch cannot move to another project; setting `expired` sets "
                "or clears `expiration_date`.",
)
def update_branch(branch_id: int, body: BranchUpdate, _first: None = SuperuserFirst, session: Session = SessionDep,
                  viewer: Viewer = ViewerDep) -> JSON:
    branch = service.do_update_branch_as(session, viewer, branch_id, body.changes())
    return json_response(queries.branch_json(branch))
