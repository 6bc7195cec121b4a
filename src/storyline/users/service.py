"""Writes on users, teams and membership, team projects, preferences and tokens.

Services flush; the request commits. Each `do_X_as(session, viewer, ...)` is the API's entry point: it
makes the superuser or owner check first (401 anonymous, 403 refused, before any 404), then fetches
what it changes and calls `do_X`. A plain `do_X` makes no permission check: its callers are trusted
(the CLI, importers, logins, tests), and no module of `api/` calls it (tests/unit/test_layering.py).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, require_self_or_superuser, require_superuser
from storyline.db import utcnow
from storyline.errors import BadRequest, Conflict, Forbidden, NotFound, ValidationFailed
from storyline.notifications import preferences as notification_preferences
from storyline.projects import queries as project_queries
from storyline.projects.models import Project
from storyline.search import index as search_index
from storyline.security import accounts
from storyline.users import queries
from storyline.users.models import AccessToken, Team, TeamMember, TeamProject, User, UserPreference
from storyline.users.tokens import create_token, hash_token

# ---- users ----------------------------------------------------------------------------------------


def _email_free(session: Session, email: str, exclude_id: int | None = None) -> None:
    stmt = select(User.id).where(func.lower(User.email) == email.lower())
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    if session.execute(stmt).first() is not None:
        raise BadRequest(f"A user with email '{email}' already exists", field="email")


def _openid_free(session: Session, openid: str, exclude_id: int | None = None) -> None:
    stmt = select(User.id).where(User.openid == openid)
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    if session.execute(stmt).first() is not None:
        raise BadRequest("A user with this openid already exists", field="openid")


def do_create_user(session: Session, data: dict[str, Any]) -> User:
    _email_free(session, data["email"])
    if data.get("openid"):
        _openid_free(session, data["openid"])
    user = User(**{k: v for k, v in data.items() if v is not None})
    session.add(user)
    session.flush()
    search_index.index_user(session, user)
    return user


def do_update_user(session: Session, user: User, changes: dict[str, Any]) -> User:
    if changes.get("email") is not None and changes["email"] != user.email:
        _email_free(session, changes["email"], exclude_id=user.id)
    if changes.get("openid") and changes["openid"] != user.openid:
        _openid_free(session, changes["openid"], exclude_id=user.id)
    for key, value in changes.items():
        if value is None and key in ("full_name", "email", "is_superuser", "enable_login"):
            continue
        setattr(user, key, value)
    user.updated_at = utcnow()
    session.flush()
    search_index.index_user(session, user)
    return user


SUPERUSER_ONLY_FIELDS = ("is_superuser", "enable_login", "openid")


def do_update_user_as(session: Session, viewer: Viewer, user: User, changes: dict[str, Any]) -> User:
    """A v1 user PUT by `viewer` (the user themself or a superuser).

    Non-superusers cannot change `is_superuser`, `enable_login` or `openid` (silently dropped), and
    cannot change their own e-mail address: that needs verification or a superuser.
    """
    if not viewer.is_superuser:
        changes = {k: v for k, v in changes.items() if k not in SUPERUSER_ONLY_FIELDS}
        new_email = changes.get("email")
        if new_email is not None and new_email != user.email:
            raise ValidationFailed(
                "email", "Changing your own e-mail address needs a superuser (no verification yet)"
            )
    return do_update_user(session, user, changes)


def do_create_user_as(session: Session, viewer: Viewer, data: dict[str, Any]) -> User:
    """POST /v1/users: superusers."""
    require_superuser(viewer)
    return do_create_user(session, data)


def do_update_user_by_id_as(session: Session, viewer: Viewer, user_id: int, changes: dict[str, Any]) -> User:
    """PUT /v1/users/{id}: the user themself or a superuser (checked before the user is looked up)."""
    require_self_or_superuser(viewer, user_id)
    return do_update_user_as(session, viewer, queries.get_user(session, user_id), changes)


# ---- teams ----------------------------------------------------------------------------------------


def _team_name_free(session: Session, name: str, exclude_id: int | None = None) -> None:
    stmt = select(Team.id).where(Team.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Team.id != exclude_id)
    if session.execute(stmt).first() is not None:
        raise BadRequest(f"A team with name '{name}' already exists", field="name")


def do_create_team(session: Session, data: dict[str, Any]) -> Team:
    _team_name_free(session, data["name"])
    team = Team(**data)
    session.add(team)
    session.flush()
    return team


def do_update_team(session: Session, team: Team, changes: dict[str, Any]) -> Team:
    if changes.get("name") is not None:
        _team_name_free(session, changes["name"], exclude_id=team.id)
    for key, value in changes.items():
        if value is None and key in ("name", "security"):
            continue
        setattr(team, key, value)
    team.updated_at = utcnow()
    session.flush()
    return team


def do_delete_team(session: Session, team: Team) -> None:
    has_members = session.execute(
        select(TeamMember.user_id).where(TeamMember.team_id == team.id).limit(1)
    ).first()
    if has_members is not None:
        raise BadRequest(f"Team {team.id} is not empty: remove its members first")
    session.delete(team)
    session.flush()


def do_add_team_member(session: Session, team: Team, user: User, actor_id: int | None) -> None:
    """Idempotent: adding a member twice leaves one membership. A new membership is recorded in the
    audit log of every private story the team is on, and told to the member (`security.accounts`)."""
    if session.get(TeamMember, (team.id, user.id)) is None:
        session.add(TeamMember(team_id=team.id, user_id=user.id))
        team.updated_at = utcnow()
        session.flush()
        accounts.team_membership_changed(session, actor_id, team, user.id, added=True)


def do_remove_team_member(session: Session, team: Team, user_id: int, actor_id: int | None) -> None:
    result = session.execute(
        delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user_id)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"User {user_id} is not a member of team {team.id}")
    team.updated_at = utcnow()
    session.flush()
    accounts.team_membership_changed(session, actor_id, team, user_id, added=False)


def do_add_team_project(session: Session, team: Team, project: Project) -> None:
    """Idempotent: linking a project twice leaves one link."""
    if session.get(TeamProject, (team.id, project.id)) is None:
        session.add(TeamProject(team_id=team.id, project_id=project.id))
        team.updated_at = utcnow()
        session.flush()


def do_remove_team_project(session: Session, team: Team, project_id: int) -> None:
    result = session.execute(
        delete(TeamProject).where(TeamProject.team_id == team.id, TeamProject.project_id == project_id)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"Project {project_id} is not linked to team {team.id}")
    team.updated_at = utcnow()
    session.flush()


def do_create_team_as(session: Session, viewer: Viewer, data: dict[str, Any]) -> Team:
    require_superuser(viewer)
    return do_create_team(session, data)


def do_update_team_as(session: Session, viewer: Viewer, team_id: int, changes: dict[str, Any]) -> Team:
    require_superuser(viewer)
    return do_update_team(session, queries.get_team(session, team_id), changes)


def do_delete_team_as(session: Session, viewer: Viewer, team_id: int) -> None:
    require_superuser(viewer)
    do_delete_team(session, queries.get_team(session, team_id))


def do_add_team_member_as(session: Session, viewer: Viewer, team_id: int, user_id: int) -> User:
    """Superusers; returns the user."""
    uid = require_superuser(viewer)
    team = queries.get_team(session, team_id)
    user = queries.get_user(session, user_id)
    do_add_team_member(session, team, user, uid)
    return user


def do_remove_team_member_as(session: Session, viewer: Viewer, team_id: int, user_id: int) -> None:
    uid = require_superuser(viewer)
    do_remove_team_member(session, queries.get_team(session, team_id), user_id, uid)


def do_add_team_project_as(session: Session, viewer: Viewer, team_id: int, project_id: int) -> Project:
    """Superusers; returns the project."""
    require_superuser(viewer)
    team = queries.get_team(session, team_id)
    project = project_queries.get_project(session, project_id)
    do_add_team_project(session, team, project)
    return project


def do_remove_team_project_as(session: Session, viewer: Viewer, team_id: int, project_id: int) -> None:
    require_superuser(viewer)
    do_remove_team_project(session, queries.get_team(session, team_id), project_id)


# ---- preferences ----------------------------------------------------------------------------------


def _check_preference(key: Any, value: Any) -> None:
    if not isinstance(key, str) or not 3 <= len(key) <= 100:
        raise ValidationFailed(str(key), "Preference keys must be 3 to 100 characters long")
    if (problem := notification_preferences.check(key, value)) is not None:
        raise ValidationFailed(key, problem)
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationFailed(key, "Preference values must be finite numbers")
        return
    if isinstance(value, str):
        low, high = notification_preferences.length_bounds(key)
        if not low <= len(value) <= high:
            raise ValidationFailed(key, f"String preference values must be {low} to {high} characters long")
        return
    raise ValidationFailed(key, "Preference values must be a string, a boolean, a number or null")


def do_set_preferences(session: Session, user_id: int, data: dict[str, Any]) -> None:
    """Upsert every key of `data`; a null value deletes the key. Everything is checked first."""
    for key, value in data.items():
        _check_preference(key, value)
    for key, value in data.items():
        row = session.get(UserPreference, (user_id, key))
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(UserPreference(user_id=user_id, key=key, value=json.dumps(value)))
        else:
            row.value = json.dumps(value)
    session.flush()


def do_set_preferences_as(session: Session, viewer: Viewer, user_id: int, data: dict[str, Any]) -> None:
    """Only the user themself, superusers included (403 otherwise)."""
    queries.preferences_owner(viewer, user_id)
    do_set_preferences(session, user_id, data)


# ---- tokens ---------------------------------------------------------------------------------------


# A value chosen by the client must be as hard to guess as a generated one (43 characters), so that
# the 409 of a taken value cannot be used to confirm a guess.
MIN_TOKEN_VALUE = 32


def _check_lifetime(expires_in: int, max_lifetime: int) -> None:
    if expires_in > max_lifetime:
        raise ValidationFailed("expires_in", f"A token lives at most {max_lifetime} seconds on this server")


def do_create_token(
    session: Session, user_id: int, expires_in: int, value: str | None = None, name: str | None = None, *,
    actor_id: int | None, max_lifetime: int, kind: str = "personal",
) -> tuple[AccessToken, str]:
    """A personal token (or with `kind` "feed", a feed token: it reads the Atom feeds as the user and
    nothing else, `docs/notifications.md`); a random value when none is given. 409 when the value is
    already taken.

    A token made for someone else (by a superuser, or by the CLI with `actor_id` None) is recorded
    in the audit log of every private story it opens and told to its owner."""
    _check_lifetime(expires_in, max_lifetime)
    if value:
        if len(value) < MIN_TOKEN_VALUE:
            raise ValidationFailed("access_token", f"A chosen token value needs at least {MIN_TOKEN_VALUE} "
                                   "characters; leave it out to get a random one")
        taken = session.execute(
            select(AccessToken.id).where(AccessToken.token_hash == hash_token(value))
        ).first()
        if taken is not None:
            raise Conflict("This token already exists.", field="access_token")
    token, clear = create_token(session, user_id, expires_in, value or None, name=name, kind=kind)
    accounts.token_created(session, actor_id, token)
    return token, clear


def do_update_token(session: Session, token: AccessToken, expires_in: int | None, *,
                    max_lifetime: int) -> AccessToken:
    """Only the lifetime of a live personal (or feed) token changes; it still counts from the token's creation.

    A web login's token follows its login (renewed by its refresh token, never extended by hand), and an
    expired token stays expired: a stolen one cannot be revived."""
    if expires_in is not None:
        if token.kind not in ("personal", "feed"):
            raise ValidationFailed("expires_in", "A login token's lifetime cannot be changed; log in again")
        if token.expires_at <= utcnow():
            raise ValidationFailed("expires_in", "This token has expired; create a new one")
        _check_lifetime(expires_in, max_lifetime)
        token.expires_in = expires_in
        token.expires_at = token.created_at + dt.timedelta(seconds=expires_in)
    token.updated_at = utcnow()
    session.flush()
    return token


def do_delete_token(session: Session, token: AccessToken) -> None:
    session.delete(token)
    session.flush()


def do_delete_all_tokens(session: Session, user_id: int) -> None:
    session.execute(delete(AccessToken).where(AccessToken.user_id == user_id))
    session.flush()


def _same_user(body_user_id: int | None, user_id: int) -> None:
    """No `PUT /users/1/tokens {user_id: 2}`: the body names the user of the path."""
    if body_user_id != user_id:
        raise Forbidden("The token's user_id must be the user of the path.")


def do_create_token_as(
    session: Session, viewer: Viewer, user_id: int, body_user_id: int | None, expires_in: int,
    value: str | None = None, name: str | None = None, *, max_lifetime: int, kind: str = "personal",
) -> tuple[AccessToken, str]:
    """POST /v1/users/{user_id}/tokens: the user or a superuser (401/403, then 404 for a missing user),
    and the body names the user of the path (403)."""
    queries.token_owner(session, viewer, user_id)
    _same_user(body_user_id, user_id)
    return do_create_token(session, user_id, expires_in, value, name, actor_id=viewer.user_id,
                           max_lifetime=max_lifetime, kind=kind)


def do_update_token_as(session: Session, viewer: Viewer, user_id: int, token_id: int, body_user_id: int | None,
                       expires_in: int | None, *, max_lifetime: int) -> AccessToken:
    queries.token_owner(session, viewer, user_id)
    _same_user(body_user_id, user_id)
    token = queries.get_token(session, user_id, token_id)
    return do_update_token(session, token, expires_in, max_lifetime=max_lifetime)


def do_delete_token_as(session: Session, viewer: Viewer, user_id: int, token_id: int) -> None:
    queries.token_owner(session, viewer, user_id)
    do_delete_token(session, queries.get_token(session, user_id, token_id))


def do_delete_all_tokens_as(session: Session, viewer: Viewer, user_id: int) -> None:
    """Log the user out everywhere: every token of the user is deleted."""
    queries.token_owner(session, viewer, user_id)
    do_delete_all_tokens(session, user_id)
