"""Writes on projects, groups, branches and milestones. Services flush; the request commits.

Each `do_X_as(session, viewer, ...)` is the API's entry point: superusers only (401 anonymous, 403
others, before any lookup), then it fetches what it changes and calls `do_X`, which makes no
permission check (trusted callers: the CLI, importers, integrations; never `api/`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, require_superuser
from storyline.db import utcnow
from storyline.errors import BadRequest, NotFound, ValidationFailed
from storyline.projects import queries
from storyline.projects.models import Branch, Milestone, Project, ProjectGroup, ProjectGroupMember
from storyline.projects.queries import storable_id, storable_text
from storyline.search import index as search_index
from storyline.subscriptions.models import Subscription
from storyline.users.models import Team


def _check_text(data: dict[str, Any]) -> None:
    """Refuse text no backend can store (PostgreSQL rejects NUL), naming the field."""
    for key, value in data.items():
        if isinstance(value, str) and not storable_text(value):
            raise ValidationFailed(key, "must not contain NUL characters")


def _unique(session: Session, model: Any, field: str, value: Any, label: str, *where: Any,
            exclude_id: int | None = None) -> None:
    stmt = select(model.id).where(getattr(model, field) == value, *where)
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if session.execute(stmt).first() is not None:
        raise BadRequest(f"{label} with {field} '{value}' already exists", field=field)


def _check_security_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise BadRequest(f"Team {team_id} not found", field="security_team_id")


def do_create_project(session: Session, data: dict[str, Any]) -> Project:
    _check_text(data)
    _unique(session, Project, "name", data["name"], "A project")
    _check_security_team(session, data.get("security_team_id"))
    project = Project(**data)
    session.add(project)
    session.flush()
    session.add(Branch(name="master", project_id=project.id, restricted=True))
    search_index.index_project(session, project)
    session.flush()
    return project


def do_update_project(session: Session, project: Project, changes: dict[str, Any]) -> Project:
    _check_text(changes)
    if "name" in changes:
        _unique(session, Project, "name", changes["name"], "A project", exclude_id=project.id)
    _check_security_team(session, changes.get("security_team_id"))
    for key, value in changes.items():
        if value is None and key in ("is_active", "autocreate_branches", "name"):
            continue
        setattr(project, key, value)
    project.updated_at = utcnow()
    search_index.index_project(session, project)
    session.flush()
    return project


def do_create_group(session: Session, data: dict[str, Any]) -> ProjectGroup:
    _check_text(data)
    _unique(session, ProjectGroup, "name", data["name"], "A project group")
    group = ProjectGroup(**data)
    session.add(group)
    session.flush()
    return group


def do_update_group(session: Session, group: ProjectGroup, changes: dict[str, Any]) -> ProjectGroup:
    _check_text(changes)
    if changes.get("name") is not None:
        _unique(session, ProjectGroup, "name", changes["name"], "A project group", exclude_id=group.id)
    for key, value in changes.items():
        if value is not None:
            setattr(group, key, value)
    group.updated_at = utcnow()
    session.flush()
    return group


def do_delete_group(session: Session, group: ProjectGroup) -> None:
    has_members = session.execute(
        select(ProjectGroupMember.project_id).where(ProjectGroupMember.project_group_id == group.id)
    ).first()
    if has_members is not None:
        raise BadRequest(f"Project group {group.id} is not empty")
    session.execute(
        delete(Subscription).where(
            Subscription.target_type == "project_group", Subscription.target_id == group.id
        )
    )
    session.delete(group)
    session.flush()


def do_add_group_project(session: Session, group: ProjectGroup, project: Project) -> None:
    key = (group.id, project.id)
    if session.get(ProjectGroupMember, key) is not None:
        raise BadRequest(f"Project {project.id} is already in project group {group.id}")
    session.add(ProjectGroupMember(project_group_id=group.id, project_id=project.id))
    group.updated_at = utcnow()
    session.flush()


def do_remove_group_project(session: Session, group: ProjectGroup, project_id: int) -> None:
    result = session.execute(
        delete(ProjectGroupMember).where(
            ProjectGroupMember.project_group_id == group.id, ProjectGroupMember.project_id == project_id
        )
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"Project {project_id} is not in project group {group.id}")
    group.updated_at = utcnow()
    session.flush()


def do_create_branch(session: Session, data: dict[str, Any]) -> Branch:
    _check_text(data)
    if not storable_id(data["project_id"]) or session.get(Project, data["project_id"]) is None:
        raise BadRequest(f"Project {data['project_id']} not found", field="project_id")
    if data.get("expired"):
        raise BadRequest("A branch cannot be created expired", field="expired")
    _unique(session, Branch, "name", data["name"], "A branch", Branch.project_id == data["project_id"])
    data = {k: v for k, v in data.items() if k != "expiration_date"}
    branch = Branch(**data)
    session.add(branch)
    session.flush()
    return branch


def do_update_branch(session: Session, branch: Branch, changes: dict[str, Any]) -> Branch:
    _check_text(changes)
    if changes.get("project_id") is not None and changes["project_id"] != branch.project_id:
        raise BadRequest("A branch cannot be moved to another project", field="project_id")
    if changes.get("name") is not None and changes["name"] != branch.name:
        if branch.name == "master":
            raise BadRequest("The master branch cannot be renamed", field="name")
        _unique(session, Branch, "name", changes["name"], "A branch",
                Branch.project_id == branch.project_id, exclude_id=branch.id)
        branch.name = changes["name"]
    if changes.get("restricted") is not None:
        branch.restricted = changes["restricted"]
    if changes.get("expired") is not None and changes["expired"] != branch.expired:
        branch.expired = changes["expired"]
        branch.expiration_date = utcnow() if branch.expired else None
    branch.updated_at = utcnow()
    session.flush()
    return branch


def do_create_milestone(session: Session, data: dict[str, Any]) -> Milestone:
    _check_text(data)
    if not storable_id(data["branch_id"]) or session.get(Branch, data["branch_id"]) is None:
        raise BadRequest(f"Branch {data['branch_id']} not found", field="branch_id")
    if data.get("expired"):
        raise BadRequest("A milestone cannot be created expired", field="expired")
    _unique(session, Milestone, "name", data["name"], "A milestone",
            Milestone.branch_id == data["branch_id"])
    data = {k: v for k, v in data.items() if k != "expiration_date"}
    milestone = Milestone(**data)
    session.add(milestone)
    session.flush()
    return milestone


def do_update_milestone(session: Session, milestone: Milestone, changes: dict[str, Any]) -> Milestone:
    _check_text(changes)
    if changes.get("branch_id") is not None and changes["branch_id"] != milestone.branch_id:
        raise BadRequest("A milestone cannot be moved to another branch", field="branch_id")
    if changes.get("name") is not None and changes["name"] != milestone.name:
        _unique(session, Milestone, "name", changes["name"], "A milestone",
                Milestone.branch_id == milestone.branch_id, exclude_id=milestone.id)
        milestone.name = changes["name"]
    if changes.get("expired") is not None and changes["expired"] != milestone.expired:
        milestone.expired = changes["expired"]
        milestone.expiration_date = utcnow() if milestone.expired else None
    milestone.updated_at = utcnow()
    session.flush()
    return milestone


# ---- the API's entry points (superusers) ------------------------------------------------------------


def do_create_project_as(session: Session, viewer: Viewer, data: dict[str, Any]) -> Project:
    require_superuser(viewer)
    return do_create_project(session, data)


def do_update_project_as(session: Session, viewer: Viewer, project_id: int, changes: dict[str, Any]) -> Project:
    require_superuser(viewer)
    return do_update_project(session, queries.get_project(session, project_id), changes)


def do_create_group_as(session: Session, viewer: Viewer, data: dict[str, Any]) -> ProjectGroup:
    require_superuser(viewer)
    return do_create_group(session, data)


def do_update_group_as(session: Session, viewer: Viewer, group_id: int, changes: dict[str, Any]) -> ProjectGroup:
    require_superuser(viewer)
    return do_update_group(session, queries.get_group(session, group_id), changes)


def do_delete_group_as(session: Session, viewer: Viewer, group_id: int) -> None:
    require_superuser(viewer)
    do_delete_group(session, queries.get_group(session, group_id))


def do_add_group_project_as(session: Session, viewer: Viewer, group_id: int, project_id: int) -> Project:
    """Returns the project."""
    require_superuser(viewer)
    group = queries.get_group(session, group_id)
    project = queries.get_project(session, project_id)
    do_add_group_project(session, group, project)
    return project


def do_remove_group_project_as(session: Session, viewer: Viewer, group_id: int, project_id: int) -> None:
    require_superuser(viewer)
    group = queries.get_group(session, group_id)
    project = queries.get_project(session, project_id)
    do_remove_group_project(session, group, project.id)


def do_create_branch_as(session: Session, viewer: Viewer, data: dict[str, Any]) -> Branch:
    require_superuser(viewer)
    return do_create_branch(session, data)


def do_update_branch_as(session: Session, viewer: Viewer, branch_id: int, changes: dict[str, Any]) -> Branch:
    require_superuser(viewer)
    return do_update_branch(session, queries.get_branch(session, branch_id), changes)


def do_create_milestone_as(session: Session, viewer: Viewer, data: dict[str, Any]) -> Milestone:
    require_superuser(viewer)
    return do_create_milestone(session, data)


def do_update_milestone_as(session: Session, viewer: Viewer, milestone_id: int,
                           changes: dict[str, Any]) -> Milestone:
    require_superuser(viewer)
    return do_update_milestone(session, queries.get_milestone(session, milestone_id), changes)
