"""Reads of users, teams, tokens and preferences, and their v1 JSON."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Select, and_, false, func, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, can_see_email, require_self_or_superuser, require_user
from storyline.errors import Forbidden, NotFound
from storyline.sqltools import like, ts
from storyline.users.models import AccessToken, Team, TeamMember, TeamProject, User, UserPreference

# The timeline types the web client shows on a story (reference §2.8).
STORY_EVENT_TYPES = (
    "story_created", "story_details_changed", "user_comment", "tags_added", "tags_deleted",
    "task_created", "task_details_changed", "task_status_changed", "task_priority_changed",
    "task_assignee_changed", "task_deleted",
)

DEFAULT_PREFERENCES: dict[str, Any] = {
    "page_size": 10,
    "story_detail_page_size": 10,
    "project_group_detail_projects_page_size": 10,
    "project_group_detail_stories_page_size": 10,
    "project_detail_page_size": 10,
    "receive_notifications_worklists": False,
    "plugin_email_enable": False,
    "plugin_email_digest": False,
    "plugin_email_digest_time": 28800,
    **{f"display_events_{t}": True for t in STORY_EVENT_TYPES},
}


# ---- users ----------------------------------------------------------------------------------------

def user_json(u: User, viewer: Viewer) -> dict[str, Any]:
    """User JSON; `email` is null (key kept) unless the caller is that user or a superuser."""
    return {
        "full_name": u.full_name, "openid": u.openid,
        "email": u.email if can_see_email(viewer, u.id) else None,
        "is_superuser": u.is_superuser, "last_login": ts(u.last_login), "enable_login": u.enable_login,
        "launchpad_name": u.launchpad_name,
        "id": u.id, "created_at": ts(u.created_at), "updated_at": ts(u.updated_at),
    }


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found")
    return user


def get_self(session: Session, viewer: Viewer) -> User:
    """The caller (401 anonymous)."""
    return get_user(session, require_user(viewer))


def user_sort_columns(viewer: Viewer) -> dict[str, Any]:
    """Sortable columns. Only superusers may sort on e-mail: the order would leak hidden addresses."""
    cols = {c.key: c for c in User.__table__.columns}
    if not viewer.is_superuser:
        cols.pop("email")
    return cols


def users_query(viewer: Viewer, *, full_name: str | None = None, email: str | None = None,
                openid: str | None = None) -> Select[Any]:
    """Users matching the v1 filters. `email` matches only addresses the caller may see."""
    stmt = select(User)
    if full_name:
        stmt = stmt.where(like(User.full_name, full_name))
    if email:
        stmt = stmt.where(func.lower(User.email) == email.lower())
        if not viewer.is_superuser:
            stmt = stmt.where(User.id == viewer.user_id if viewer.user_id is not None else false())
    if openid:
        stmt = stmt.where(User.openid == openid)
    return stmt


# ---- teams ----------------------------------------------------------------------------------------

def team_json(t: Team) -> dict[str, Any]:
    return {
        "name": t.name, "description": t.description, "security": t.security,
        "id": t.id, "created_at": ts(t.created_at), "updated_at": ts(t.updated_at),
    }


def get_team(session: Session, ref: str | int) -> Team:
    """By id, or by name (which may contain slashes). A reference of digits only is an id."""
    ref = str(ref)
    team: Team | None
    if ref.isdigit():
        team = session.get(Team, int(ref))
    else:
        team = session.execute(select(Team).where(Team.name == ref)).scalar_one_or_none()
    if team is None:
        raise NotFound(f"Team {ref} not found")
    return team


def teams_query(*, name: str | None = None, description: str | None = None,
                project_id: int | None = None) -> Select[Any]:
    stmt = select(Team)
    if name:
        stmt = stmt.where(like(Team.name, name))
    if description:
        stmt = stmt.where(like(Team.description, description))
    if project_id is not None:
        stmt = stmt.where(
            Team.id.in_(select(TeamProject.team_id).where(TeamProject.project_id == project_id))
        )
    return stmt


def team_users_query(team_id: int) -> Select[Any]:
    return select(User).where(
        User.id.in_(select(TeamMember.user_id).where(TeamMember.team_id == team_id))
    )


def team_member(session: Session, team_id: int, user_id: int) -> User:
    """A member of the team; 404 if the user is not in the team."""
    user = session.execute(team_users_query(team_id).where(User.id == user_id)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"User {user_id} is not in team {team_id}")
    return user  # type: ignore[no-any-return]


def team_projects_query(team_id: int) -> Select[Any]:
    from storyline.projects.models import Project

    return select(Project).where(
        Project.id.in_(select(TeamProject.project_id).where(TeamProject.team_id == team_id))
    )


# ---- tokens ---------------------------------------------------------------------------------------

TOKEN_SORT = {c.key: c for c in AccessToken.__table__.columns if c.key != "token_hash"}


def token_json(t: AccessToken, value: str | None = None) -> dict[str, Any]:
    """AccessToken JSON. Only a hash is stored: `access_token` is the clear value in the create
    response and null on every later read. `last_used_at` is kept to the minute."""
    return {
        "user_id": t.user_id, "access_token": value, "expires_in": t.expires_in, "refresh_token": None,
        # additive: a label, "personal" or "session" (web login), expiry and last use
        "name": t.name, "kind": t.kind, "expires_at": ts(t.expires_at), "last_used_at": ts(t.last_used_at),
        "id": t.id, "created_at": ts(t.created_at), "updated_at": ts(t.updated_at),
    }


def token_owner(session: Session, viewer: Viewer, user_id: int) -> User:
    """The owner of the tokens of /v1/users/{user_id}/tokens: the caller is the user or a superuser
    (else 401/403), and the user exists (else 404)."""
    require_self_or_superuser(viewer, user_id)
    return get_user(session, user_id)


def tokens_query(user_id: int) -> Select[Any]:
    return select(AccessToken).where(AccessToken.user_id == user_id)


def tokens_of(session: Session, viewer: Viewer, user_id: int) -> Select[Any]:
    """The tokens of the user, for the user or a superuser."""
    token_owner(session, viewer, user_id)
    return tokens_query(user_id)


def get_token_as(session: Session, viewer: Viewer, user_id: int, token_id: int) -> AccessToken:
    token_owner(session, viewer, user_id)
    return get_token(session, user_id, token_id)


def get_token(session: Session, user_id: int, token_id: int) -> AccessToken:
    token = session.execute(
        select(AccessToken).where(AccessToken.id == token_id, AccessToken.user_id == user_id)
    ).scalar_one_or_none()
    if token is None:
        raise NotFound(f"Token {token_id} not found")
    return token


# ---- preferences ----------------------------------------------------------------------------------

def stored_preferences(session: Session, user_id: int) -> dict[str, Any]:
    rows = session.execute(
        select(UserPreference.key, UserPreference.value).where(UserPreference.user_id == user_id)
    ).all()
    return {key: json.loads(value) for key, value in rows}


def preferences(session: Session, user_id: int) -> dict[str, Any]:
    """The stored preferences merged over the defaults."""
    return {**DEFAULT_PREFERENCES, **stored_preferences(session, user_id)}


def preferences_owner(viewer: Viewer, user_id: int) -> None:
    """Preferences are the user's own: superusers included, anyone else is refused (401/403)."""
    if require_user(viewer) != user_id:
        raise Forbidden("Preferences are readable and writable by their user only.")


def preferences_as(session: Session, viewer: Viewer, user_id: int) -> dict[str, Any]:
    preferences_owner(viewer, user_id)
    return preferences(session, user_id)


def is_true(value: Any) -> bool:
    """StoryBoard stored booleans as strings: JSON true and the string "true" mean the same."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"


def preference_enabled(session: Session, user_id: int, key: str) -> bool:
    """Whether the boolean preference `key` is on for the user (stored value, else the default)."""
    raw = session.execute(
        select(UserPreference.value).where(and_(UserPreference.user_id == user_id, UserPreference.key == key))
    ).scalar_one_or_none()
    if raw is None:
        return is_true(DEFAULT_PREFERENCES.get(key, False))
    return is_true(json.loads(raw))
