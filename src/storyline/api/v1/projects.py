"""/v1/projects"""

from __future__ import annotations

from fastapi import Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, Responses, json_response, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.projects import queries, service
from storyline.projects.models import Project
from storyline.projects.schemas import ProjectIn, ProjectOut, ProjectUpdate
from storyline.search.index import matching_ids

router = Router(prefix="/projects", tags=["projects"])

SORT = {c.key: c for c in Project.__table__.columns}
LIST: Responses = {200: {"model": list[ProjectOut]}}
ONE: Responses = {200: {"model": ProjectOut}}


def _respond_list(page) -> JSON:  # type: ignore[no-untyped-def]
    return json_response([queries.project_json(p) for p in page.rows], page.headers)


@router.get("", responses=LIST)
def list_projects(
    request: Request,
    name: str | None = None,
    description: str | None = None,
    project_group_id: int | None = None,
    subscriber_id: int | None = None,
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    stmt = queries.projects_query(viewer, name=name, description=description, project_group_id=project_group_id,
                                  subscriber_id=subscriber_id)
    cap = request.app.state.settings.max_page_size
    return _respond_list(paginate(session, stmt, id_column=Project.id, sort_columns=SORT, params=p, cap=cap))


@router.get("/search", responses=LIST)
def search_projects(
    request: Request,
    q: str = Query("", description="Full-text query; the last word matches as a prefix"),
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    ids = matching_ids(session, "project", q)
    stmt = select(Project).where(Project.id.in_(ids) if ids is not None else Project.id.is_(None))
    cap = request.app.state.settings.max_page_size
    return _respond_list(paginate(session, stmt, id_column=Project.id, sort_columns=SORT, params=p, cap=cap))


@router.get("/{ref:path}", responses=ONE, summary="Get a project by id or by name")
def get_project(ref: str, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.project_json(queries.get_project(session, ref)))


@router.post("", responses=ONE)
def create_project(body: ProjectIn, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.project_json(service.do_create_project_as(session, viewer, body.model_dump())))


@router.put("/{project_id}", responses=ONE)
def update_project(
    project_id: int, body: ProjectUpdate, session: Session = SessionDep, viewer: Viewer = ViewerDep
) -> JSON:
    project = service.do_update_project_as(session, viewer, project_id, body.changes())
    return json_response(queries.project_json(project))
