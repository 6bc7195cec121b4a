"""/v1/teams, their members and their projects."""

from __future__ import annotations

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import JSON, IdPath, Paging, Responses, json_response, no_content, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.projects import queries as project_queries
from storyline.projects.models import Project
from storyline.projects.schemas import ProjectOut
from storyline.schemas import DbId
from storyline.users import queries, service
from storyline.users.models import Team, User
from storyline.users.schemas import TeamIn, TeamOut, TeamUpdate, UserOut

router = Router(prefix="/teams", tags=["teams"])

SORT = {c.key: c for c in Team.__table__.columns}
PROJECT_SORT = {c.key: c for c in Project.__table__.columns}
LIST: Responses = {200: {"model": list[TeamOut]}}
ONE: Responses = {200: {"model": TeamOut}}


@router.get("", responses=LIST)
def list_teams(
    request: Request,
    name: str | None = Query(None, description="Substring of the name, case-insensitive"),
    description: str | None = Query(None, description="Substring of the description, case-insensitive"),
    project_id: DbId | None = Query(None, description="Teams linked to this project"),
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    stmt = queries.teams_query(name=name, description=description, project_id=project_id)
    cap = request.app.state.settings.max_page_size
    page = paginate(session, stmt, id_column=Team.id, sort_columns=SORT, params=p, cap=cap)
    return json_response([queries.team_json(t) for t in page.rows], page.headers)


@router.post("", responses=ONE)
def create_team(body: TeamIn, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.team_json(service.do_create_team_as(session, viewer, body.model_dump())))


# Sub-resources take a numeric id (`:int`), so that a name such as `core/users` still reaches the
# by-name lookup below.
@router.get("/{team_id:int}/users", responses={200: {"model": list[UserOut]}})
def list_team_users(
    request: Request,
    team_id: IdPath,
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    """Members; e-mail addresses are shown only to the member themself and to superusers."""
    team = queries.get_team(session, team_id)
    cap = request.app.state.settings.max_page_size
    page = paginate(session, queries.team_users_query(team.id), id_column=User.id,
                    sort_columns=queries.user_sort_columns(viewer), params=p, cap=cap)
    return json_response([queries.user_json(u, viewer) for u in page.rows], page.headers)


@router.get("/{team_id:int}/users/{user_id:int}", responses={200: {"model": UserOut}})
def get_team_user(team_id: IdPath, user_id: IdPath, session: Session = SessionDep,
                  viewer: Viewer = ViewerDep) -> JSON:
    """One member (404 if the user is not in the team)."""
    team = queries.get_team(session, team_id)
    return json_response(queries.user_json(queries.team_member(session, team.id, user_id), viewer))


@router.put("/{team_id:int}/users/{user_id:int}", responses={200: {"model": UserOut}})
def add_team_user(team_id: IdPath, user_id: IdPath, session: Session = SessionDep,
                  viewer: Viewer = ViewerDep) -> JSON:
    """Add a member (idempotent); returns the user."""
    user = service.do_add_team_member_as(session, viewer, team_id, user_id)
    return json_response(queries.user_json(user, viewer))


@router.delete("/{team_id:int}/users/{user_id:int}", status_code=204, response_class=Response)
def remove_team_user(team_id: IdPath, user_id: IdPath, session: Session = SessionDep,
                     viewer: Viewer = ViewerDep) -> Response:
    service.do_remove_team_member_as(session, viewer, team_id, user_id)
    return no_content()


@router.get("/{team_id:int}/projects", responses={200: {"model": list[ProjectOut]}})
def list_team_projects(
    request: Request,
    team_id: IdPath,
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    team = queries.get_team(session, team_id)
    cap = request.app.state.settings.max_page_size
    page = paginate(session, queries.team_projects_query(team.id), id_column=Project.id,
                    sort_columns=PROJECT_SORT, params=p, cap=cap)
    return json_response([project_queries.project_json(x) for x in page.rows], page.headers)


@router.put("/{team_id:int}/projects/{project_id:int}", responses={200: {"model": ProjectOut}})
def add_team_project(team_id: IdPath, project_id: IdPath, session: Session = SessionDep,
                     viewer: Viewer = ViewerDep) -> JSON:
    """Link a project (idempotent); returns the project."""
    project = service.do_add_team_project_as(session, viewer, team_id, project_id)
    return json_response(project_queries.project_json(project))


@router.delete("/{team_id:int}/projects/{project_id:int}", status_code=204, response_class=Response)
def remove_team_project(team_id: IdPath, project_id: IdPath, session: Session = SessionDep,
                        viewer: Viewer = ViewerDep) -> Response:
    service.do_remove_team_project_as(session, viewer, team_id, project_id)
    return no_content()


@router.put("/{team_id}", responses=ONE)
def update_team(body: TeamUpdate, team_id: IdPath, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.team_json(service.do_update_team_as(session, viewer, team_id, body.changes())))


@router.delete("/{team_id}", status_code=204, response_class=Response)
def delete_team(team_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> Response:
    """Only a team without members can be deleted."""
    service.do_delete_team_as(session, viewer, team_id)
    return no_content()


@router.get("/{ref:path}", responses=ONE, summary="Get a team by id or by name")
def get_team(ref: str, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.team_json(queries.get_team(session, ref)))
