"""Reads of projects, groups, branches and milestones, and their v1 JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, check_subscriber_filter
from storyline.errors import NotFound
from storyline.projects.models import Branch, Milestone, Project, ProjectGroup, ProjectGroupMember
from storyline.sqltools import like, ts
from storyline.subscriptions.models import Subscription


def project_json(p: Project) -> dict[str, Any]:
    return {
        "name": p.name, "description": p.description, "is_active": p.is_active, "repo_url": p.repo_url,
        "autocreate_branches": p.autocreate_branches, "security_team_id": p.security_team_id,
        "id": p.id, "created_at": ts(p.created_at), "updated_at": ts(p.updated_at),
    }


def group_json(g: ProjectGroup) -> dict[str, Any]:
    return {"name": g.name, "title": g.title,
            "id": g.id, "created_at": ts(g.created_at), "updated_at": ts(g.updated_at)}


def branch_json(b: Branch) -> dict[str, Any]:
    return {
        "name": b.name, "project_id": b.project_id, "expired": b.expired,
        "expiration_date": ts(b.expiration_date), "autocreated": b.autocreated, "restricted": b.restricted,
        "id": b.id, "created_at": ts(b.created_at), "updated_at": ts(b.updated_at),
    }


def milestone_json(m: Milestone) -> dict[str, Any]:
    return {
        "name": m.name, "branch_id": m.branch_id, "expired": m.expired,
        "expiration_date": ts(m.expiration_date),
        "id": m.id, "created_at": ts(m.created_at), "updated_at": ts(m.updated_at),
    }


# Ids are 32-bit integer columns on every backend: a larger value names no row, and binding it
# would fail in the driver (SQLite) or the server (PostgreSQL).
ID_MIN, ID_MAX = -(2**31), 2**31 - 1


def storable_id(value: int | None) -> bool:
    """True when `value` could be the id of a row (so it is safe to compare with an id column)."""
    return value is not None and ID_MIN <= value <= ID_MAX


def storable_text(value: str) -> bool:
    """True when `value` could be stored in a text column (PostgreSQL refuses NUL characters)."""
    return "\x00" not in value


def _by_id_or_name(session: Session, model: Any, ref: str | int, label: str) -> Any:
    ref = str(ref)
    row = None
    if ref.isascii() and ref.isdigit():
        if storable_id(int(ref)):
            row = session.get(model, int(ref))
    elif storable_text(ref):
        row = session.execute(select(model).where(model.name == ref)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{label} {ref} not found")
    return row


def get_project(session: Session, ref: str | int) -> Project:
    """By id, or by name (which may contain slashes)."""
    return _by_id_or_name(session, Project, ref, "Project")  # type: ignore[no-any-return]


def get_group(session: Session, ref: str | int) -> ProjectGroup:
    return _by_id_or_name(session, ProjectGroup, ref, "Project Group")  # type: ignore[no-any-return]


def get_branch(session: Session, branch_id: int) -> Branch:
    branch = session.get(Branch, branch_id) if storable_id(branch_id) else None
    if branch is None:
        raise NotFound(f"Branch {branch_id} not found")
    return branch


def get_milestone(session: Session, milestone_id: int) -> Milestone:
    milestone = session.get(Milestone, milestone_id) if storable_id(milestone_id) else None
    if milestone is None:
        raise NotFound(f"Milestone {milestone_id} not found")
    return milestone


def group_projects(session: Session, group_id: int) -> list[Project]:
    return list(
        session.execute(
            select(Project)
            .join(ProjectGroupMember, ProjectGroupMember.project_id == Project.id)
            .where(ProjectGroupMember.project_group_id == group_id)
            .order_by(Project.id)
        ).scalars()
    )


def group_project(session: Session, group_id: int, project_id: int) -> Project:
    """A project of the group; 404 if it is not in the group."""
    project = session.execute(
        select(Project)
        .join(ProjectGroupMember, ProjectGroupMember.project_id == Project.id)
        .where(ProjectGroupMember.project_group_id == group_id, Project.id == project_id)
    ).scalar_one_or_none()
    if project is None:
        raise NotFound(f"Project {project_id} is not in project group {group_id}")
    return project


_MASTER_BRANCH = select(Branch.id).where(Branch.project_id == bindparam("project_id"), Branch.name == "master")


def master_branch_id(session: Session, project_id: int) -> int:
    session.flush()  # a branch created in this transaction too
    branch_id = session.connection().execute(_MASTER_BRANCH, {"project_id": project_id}).scalar_one_or_none()
    if branch_id is None:
        raise NotFound(f"Project {project_id} has no master branch")
    return branch_id


# ---- lists (v1 filters) -----------------------------------------------------------------------------


def _in_group(project_id: Any, project_group_id: int) -> Any:
    return project_id.in_(
        select(ProjectGroupMember.project_id).where(ProjectGroupMember.project_group_id == project_group_id))


def _followed(target_id: Any, target_type: str, subscriber_id: int) -> Any:
    return target_id.in_(select(Subscription.target_id).where(
        Subscription.target_type == target_type, Subscription.user_id == subscriber_id))


def projects_query(viewer: Viewer, *, name: str | None = None, description: str | None = None,
                   project_group_id: int | None = None, subscriber_id: int | None = None) -> Select[Any]:
    """`?subscriber_id=`: the caller's own, anyone's for a superuser (else 403)."""
    check_subscriber_filter(viewer, subscriber_id)
    stmt = select(Project)
    if name:
        stmt = stmt.where(like(Project.name, name))
    if description:
        stmt = stmt.where(like(Project.description, description))
    if project_group_id is not None:
        stmt = stmt.where(_in_group(Project.id, project_group_id))
    if subscriber_id is not None:
        stmt = stmt.where(_followed(Project.id, "project", subscriber_id))
    return stmt


def groups_query(viewer: Viewer, *, name: str | None = None, title: str | None = None,
                 subscriber_id: int | None = None) -> Select[Any]:
    """`?subscriber_id=`: the caller's own, anyone's for a superuser (else 403)."""
    check_subscriber_filter(viewer, subscriber_id)
    stmt = select(ProjectGroup)
    if name:
        stmt = stmt.where(like(ProjectGroup.name, name))
    if title:
        stmt = stmt.where(like(ProjectGroup.title, title))
    if subscriber_id is not None:
        stmt = stmt.where(_followed(ProjectGroup.id, "project_group", subscriber_id))
    return stmt


def branches_query(*, name: str | None = None, project_id: int | None = None,
                   project_group_id: int | None = None) -> Select[Any]:
    stmt = select(Branch)
    if name:
        stmt = stmt.where(like(Branch.name, name))
    if project_id is not None:
        stmt = stmt.where(Branch.project_id == project_id)
    if project_group_id is not None:
        stmt = stmt.where(_in_group(Branch.project_id, project_group_id))
    return stmt


def milestones_query(*, name: str | None = None, branch_id: int | None = None) -> Select[Any]:
    stmt = select(Milestone)
    if name:
        stmt = stmt.where(like(Milestone.name, name))
    if branch_id is not None:
        stmt = stmt.where(Milestone.branch_id == branch_id)
    return stmt
