"""/v1/project_groups and their project membership."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, Responses, json_response, no_content, paginate, paging
from storyline.api.deps import SessionDep, SuperuserFirst, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.projects import queries, service
from storyline.projects.models import ProjectGroup
from storyline.projects.schemas import ProjectGroupIn, ProjectGroupOut, ProjectGroupUpdate, ProjectOut

router = Router(prefix="/project_groups", tags=["project groups"])

SORT = {c.key: c for c in ProjectGroup.__table__.columns}
LIST: Responses = {200: {"model": list[ProjectGroupOut]}}
ONE: Responses = {200: {"model": ProjectGroupOut}}
PROJECTS: Responses = {200: {"model": list[ProjectOut]}}
PROJECT: Responses = {200: {"model": ProjectOut}}
GONE: Responses = {204: {"description": "Deleted; empty body"}}


@router.get("", responses=LIST)
def list_groups(
    request: Request,
    name: str | None = None,
    title: str | None = None,
    subscriber_id: int | None = None,
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    stmt = queries.groups_query(viewer, name=name, title=title, subscriber_id=subscriber_id)
    cap = request.app.state.settings.max_page_size
    page = paginate(session, stmt, id_column=ProjectGroup.id, sort_columns=SORT, params=p, cap=cap)
    return json_response([queries.group_json(g) for g in page.rows], page.headers)


@router.get("/{group_id:int}/projects/{project_id:int}", responses=PROJECT,
            summary="One project of a group (404 if it is not in the group)")
def get_group_project(group_id: int, project_id: int, session: Session = SessionDep) -> JSON:
    group = queries.get_group(session, group_id)
    return json_response(queries.project_json(queries.group_project(session, group.id, project_id)))


@router.get(
    "/{ref:path}",
    responses={200: {"model": ProjectGroupOut | list[ProjectOut]}},
    summary="Get a project group by id or name, or (with a final /projects) list its projects",
    description=(
        "`ref` is an id or a name; names may contain slashes. A final `projects` segment asks for "
        "the group's projects (no paging): `/v1/project_groups/openstack/projects`."
    ),
)
def get_group(ref: str, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    head, sep, tail = ref.rpartition("/")
    if sep and head and tail == "projects":
        group = queries.get_group(session, head)
        return json_response([queries.project_json(p) for p in queries.group_projects(session, group.id)])
    return json_response(queries.group_json(queries.get_group(session, ref)))


@router.post("", responses=ONE)
def create_group(body: ProjectGroupIn, _first: None = SuperuserFirst, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.group_json(service.do_create_group_as(session, viewer, body.model_dump())))


@router.put("/{group_id}", responses=ONE)
def update_group(group_id: int, body: ProjectGroupUpdate, _first: None = SuperuserFirst,
                 session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.group_json(service.do_update_group_as(session, viewer, group_id, body.changes())))


@router.delete("/{group_id}", status_code=204, responses=GONE, response_class=Response)
def delete_group(group_id: int, _first: None = SuperuserFirst, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> Response:
    service.do_delete_group_as(session, viewer, group_id)
    return no_content()


@router.put("/{group_id}/projects/{project_id}", responses=PROJECT, summary="Add a project to a group")
def add_project(group_id: int, project_id: int, _first: None = SuperuserFirst, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.project_json(service.do_add_group_project_as(session, viewer, group_id, project_id)))


@router.delete(
    "/{group_id}/projects/{project_id}", status_code=204, responses=GONE, response_class=Response,
    summary="Remove a project from a group",
)
def remove_project(group_id: int, project_id: int, _first: None = SuperuserFirst, session: Session = SessionDep,
                   viewer: Viewer = ViewerDep) -> Response:
    service.do_remove_group_project_as(session, viewer, group_id, project_id)
    return no_content()
