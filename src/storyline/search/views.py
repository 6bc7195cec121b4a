"""Saved views (docs/search.md, "Saved views"): who sees one (its owner and the members of its team),
who changes one (its owner), and the checks of their fields."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, require_user
from storyline.db import utcnow
from storyline.errors import Forbidden, NotFound, ValidationFailed
from storyline.projects.models import Project
from storyline.search.models import SavedView
from storyline.search.query import SORT_FIELDS, parse_for
from storyline.sqltools import ts
from storyline.users.models import Team, TeamMember

COLUMNS = ("id", "title", "status", "progress", "assignees", "tags", "updated", "created", "project", "creator")
SORTS = tuple(f"{f}-{d}" for f in SORT_FIELDS for d in ("asc", "desc"))
MAX_VIEWS = 200  # per owner


def view_visible(viewer: Viewer) -> ColumnElement[bool]:
    """SQL predicate: the viewer owns the view or is a member of the team it is shared with."""
    uid = viewer.user_id if viewer.user_id is not None else -1
    return or_(SavedView.owner_id == uid, exists().where(
        TeamMember.team_id == SavedView.team_id, TeamMember.user_id == uid))


def view_json(v: SavedView, viewer: Viewer) -> dict[str, Any]:
    return {"id": v.id, "owner_id": v.owner_id, "team_id": v.team_id, "name": v.name, "query": v.query,
            "columns": json.loads(v.columns) if v.columns else None, "sort": v.sort,
            "pinned_home": v.pinned_home, "project_id": v.project_id, "mine": v.owner_id == viewer.user_id,
            "created_at": ts(v.created_at), "updated_at": ts(v.updated_at) if v.updated_at else None}


def views_select(viewer: Viewer, *, project_id: int | None = None, pinned_home: bool | None = None,
                 mine: bool | None = None) -> Any:
    require_user(viewer)
    stmt = select(SavedView).where(view_visible(viewer))
    if project_id is not None:
        stmt = stmt.where(SavedView.project_id == project_id)
    if pinned_home is not None:
        stmt = stmt.where(SavedView.pinned_home.is_(pinned_home))
    if mine is not None:
        stmt = stmt.where((SavedView.owner_id == viewer.user_id) if mine else (SavedView.owner_id != viewer.user_id))
    return stmt


def my_teams(session: Session, viewer: Viewer) -> list[dict[str, Any]]:
    """The teams the caller may share a view with: those they are a member of."""
    uid = require_user(viewer)
    rows = session.execute(select(Team.id, Team.name).join(TeamMember, TeamMember.team_id == Team.id)
                           .where(TeamMember.user_id == uid).order_by(Team.name)).all()
    return [{"id": i, "name": n} for i, n in rows]


def get_view(session: Session, viewer: Viewer, view_id: int) -> SavedView:
    require_user(viewer)
    view = session.execute(select(SavedView).where(SavedView.id == view_id, view_visible(viewer))).scalar_one_or_none()
    if view is None:
        raise NotFound(f"View {view_id} not found")
    return view


def _check(session: Session, viewer: Viewer, data: dict[str, Any]) -> dict[str, Any]:
    """The stored values of the given fields; 400 naming the field when one is wrong."""
    out: dict[str, Any] = {}
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise ValidationFailed("name", "A view needs a name")
        out["name"] = name
    if "query" in data:
        parse_for(data["query"] or "", "query")  # refused with the position of the mistake
        out["query"] = data["query"] or ""
    if "columns" in data:
        columns = data["columns"]
        if columns is not None:
            for n, c in enumerate(columns):
                if c not in COLUMNS:
                    raise ValidationFailed(f"columns.{n}", f"Unknown column '{c}'; columns: {', '.join(COLUMNS)}")
        out["columns"] = None if columns is None else json.dumps(list(dict.fromkeys(columns)))
    if "sort" in data:
        if data["sort"] is not None and data["sort"] not in SORTS:
            raise ValidationFailed("sort", f"sort is one of {', '.join(SORTS)}")
        out["sort"] = data["sort"]
    if data.get("team_id") is not None:
        team_id = data["team_id"]
        if session.get(Team, team_id) is None:
            raise ValidationFailed("team_id", f"Team {team_id} not found")
        member = session.execute(select(TeamMember.user_id).where(
            TeamMember.team_id == team_id, TeamMember.user_id == viewer.user_id)).first()
        if member is None and not viewer.is_superuser:
            raise ValidationFailed("team_id", "You may share a view only with a team you are a member of")
    if "team_id" in data:
        out["team_id"] = data["team_id"]
    if data.get("project_id") is not None and session.get(Project, data["project_id"]) is None:
        raise ValidationFailed("project_id", f"Project {data['project_id']} not found")
    if "project_id" in data:
        out["project_id"] = data["project_id"]
    if "pinned_home" in data:
        out["pinned_home"] = bool(data["pinned_home"])
    return out


def do_create_view(session: Session, viewer: Viewer, data: dict[str, Any]) -> SavedView:
    uid = require_user(viewer)
    values = _check(session, viewer, data)
    count = session.execute(select(SavedView.id).where(SavedView.owner_id == uid).limit(MAX_VIEWS)).all()
    if len(count) >= MAX_VIEWS:
        raise ValidationFailed("name", f"You have {MAX_VIEWS} views already; delete one first")
    view = SavedView(owner_id=uid, **{"pinned_home": False, **values})
    session.add(view)
    session.flush()
    return view


def _owned(viewer: Viewer, view: SavedView) -> None:
    if view.owner_id != viewer.user_id:
        raise Forbidden("Only the view's owner may change or delete it")


def do_update_view(session: Session, viewer: Viewer, view: SavedView, changes: dict[str, Any]) -> SavedView:
    _owned(viewer, view)
    for key, value in _check(session, viewer, changes).items():
        setattr(view, key, value)
    view.updated_at = utcnow()
    session.flush()
    return view


def do_delete_view(session: Session, viewer: Viewer, view: SavedView) -> None:
    _owned(viewer, view)
    session.delete(view)
    session.flush()
