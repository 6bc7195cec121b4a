"""/v1/branches (no DELETE)."""

from __future__ import annotations

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, Responses, json_response, like, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.api.v1.project_groups import superuser
from storyline.authz import Viewer
from storyline.projects import queries, service
from storyline.projects.models import Branch, ProjectGroupMember
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
    stmt = select(Branch)
    if name:
        stmt = stmt.where(like(Branch.name, name))
    if project_id is not None:
        stmt = stmt.where(Branch.project_id == project_id)
    if project_group_id is not None:
        stmt = stmt.where(Branch.project_id.in_(
            select(ProjectGroupMember.project_id).where(ProjectGroupMember.project_group_id == project_group_id)
        ))
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
def create_branch(body: BranchIn, _su: int = Depends(superuser), session: Session = SessionDep) -> JSON:
    return json_response(queries.branch_json(service.do_create_branch(session, body.model_dump())))


@router.put(
    "/{branch_id}", responses=ONE,
    description="Partial update. A branch cannot move to another project; setting `expired` sets "
                "or clears `expiration_date`.",
)
def update_branch(
    branch_id: int, body: BranchUpdate, _su: int = Depends(superuser), session: Session = SessionDep
) -> JSON:
    branch = queries.get_branch(session, branch_id)
    return json_response(queries.branch_json(service.do_update_branch(session, branch, body.changes())))
