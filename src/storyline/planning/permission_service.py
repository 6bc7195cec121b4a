"""Permissions of worklists, boards and due dates: members, their JSON, and the permission endpoints."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storyline.errors import ValidationFailed
from storyline.planning.models import (
    CODENAMES,
    PlanningPermission,
    PlanningPermissionTeam,
    PlanningPermissionUser,
)
from storyline.schemas import id_refs
from storyline.users.models import Team, User


def check_members(session: Session, users: list[int], teams: list[int], *, users_field: str = "users",
                  teams_field: str = "teams") -> None:
    """Every id names an existing user / team (400 naming the field otherwise)."""
    if users:
        found = set(session.execute(select(User.id).where(User.id.in_(users))).scalars())
        missing = [u for u in users if u not in found]
        if missing:
            raise ValidationFailed(users_field, f"User {missing[0]} not found")
    if teams:
        found = set(session.execute(select(Team.id).where(Team.id.in_(teams))).scalars())
        missing = [t for t in teams if t not in found]
        if missing:
            raise ValidationFailed(teams_field, f"Team {missing[0]} not found")


def parse_members(session: Session, args: dict[str, Any]) -> tuple[list[int], list[int]]:
    users = id_refs("users", args.get("users"))
    teams = id_refs("teams", args.get("teams"))
    check_members(session, users, teams)
    return users, teams


def check_codename(object_type: str, codename: Any) -> str:
    allowed = CODENAMES[object_type]
    if codename not in allowed:
        raise ValidationFailed("codename", f"codename must be one of {', '.join(allowed)}")
    return str(codename)


def get_permission(session: Session, object_type: str, object_id: int, codename: str) -> PlanningPermission | None:
    return session.execute(select(PlanningPermission).where(
        PlanningPermission.object_type == object_type, PlanningPermission.object_id == object_id,
        PlanningPermission.codename == codename)).scalar_one_or_none()


def members(session: Session, permission_id: int) -> tuple[set[int], set[int]]:
    users = set(session.execute(select(PlanningPermissionUser.user_id).where(
        PlanningPermissionUser.permission_id == permission_id)).scalars())
    teams = set(session.execute(select(PlanningPermissionTeam.team_id).where(
        PlanningPermissionTeam.permission_id == permission_id)).scalars())
    return users, teams


def add_members(session: Session, perm: PlanningPermission, users: list[int], teams: list[int]
                ) -> tuple[list[int], list[int]]:
    have_users, have_teams = members(session, perm.id)
    new_users = [u for u in users if u not in have_users]
    new_teams = [t for t in teams if t not in have_teams]
    session.add_all(PlanningPermissionUser(permission_id=perm.id, user_id=u) for u in new_users)
    session.add_all(PlanningPermissionTeam(permission_id=perm.id, team_id=t) for t in new_teams)
    session.flush()
    return new_users, new_teams


def create_permission(session: Session, object_type: str, object_id: int, codename: str,
                      users: list[int], teams: list[int], name: str | None = None) -> PlanningPermission:
    """The object's permission `codename` (created when missing), with `users` and `teams` added."""
    perm = get_permission(session, object_type, object_id, codename)
    if perm is None:
        perm = PlanningPermission(object_type=object_type, object_id=object_id, codename=codename,
                                  name=name or f"{object_type}_{object_id}_{codename}")
        session.add(perm)
        session.flush()
    add_members(session, perm, users, teams)
    return perm


def replace_members(session: Session, perm: PlanningPermission, users: list[int], teams: list[int] | None
                    ) -> dict[str, list[int]]:
    """Replace the users (and teams, when given) holding `perm`; returns what was added and removed."""
    have_users, have_teams = members(session, perm.id)
    change = {"added_users": [u for u in users if u not in have_users],
              "removed_users": sorted(have_users - set(users)), "added_teams": [], "removed_teams": []}
    if teams is not None:
        change["added_teams"] = [t for t in teams if t not in have_teams]
        change["removed_teams"] = sorted(have_teams - set(teams))
    for uid in change["removed_users"]:
        session.execute(delete(PlanningPermissionUser).where(
            PlanningPermissionUser.permission_id == perm.id, PlanningPermissionUser.user_id == uid))
    for tid in change["removed_teams"]:
        session.execute(delete(PlanningPermissionTeam).where(
            PlanningPermissionTeam.permission_id == perm.id, PlanningPermissionTeam.team_id == tid))
    add_members(session, perm, change["added_users"], change["added_teams"])
    return change


def named(session: Session, users: Collection[int], teams: Collection[int] = ()
          ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Event shape: `[{"3": "Jane Doe"}]` for users, `[{"5": "team-name"}]` for teams."""
    unames = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(list(users))))
                  .all()) if users else {}
    tnames = dict(session.execute(select(Team.id, Team.name).where(Team.id.in_(list(teams))))
                  .all()) if teams else {}
    return ([{str(u): unames.get(u, "")} for u in sorted(users)],
            [{str(t): tnames.get(t, "")} for t in sorted(teams)])


def members_json(session: Session, object_type: str, object_ids: list[int]) -> dict[int, dict[str, list[int]]]:
    """owners / users / team_owners / team_users of many objects, in two queries."""
    edit, move = CODENAMES[object_type]
    out: dict[int, dict[str, list[int]]] = defaultdict(
        lambda: {"owners": [], "users": [], "team_owners": [], "team_users": []})
    if not object_ids:
        return out
    for oid, codename, uid in session.execute(
        select(PlanningPermission.object_id, PlanningPermission.codename, PlanningPermissionUser.user_id)
        .join(PlanningPermissionUser, PlanningPermissionUser.permission_id == PlanningPermission.id)
        .where(PlanningPermission.object_type == object_type, PlanningPermission.object_id.in_(object_ids))
        .order_by(PlanningPermissionUser.user_id)
    ):
        out[oid]["owners" if codename == edit else "users"].append(uid)
    for oid, codename, tid in session.execute(
        select(PlanningPermission.object_id, PlanningPermission.codename, PlanningPermissionTeam.team_id)
        .join(PlanningPermissionTeam, PlanningPermissionTeam.permission_id == PlanningPermission.id)
        .where(PlanningPermission.object_type == object_type, PlanningPermission.object_id.in_(object_ids))
        .order_by(PlanningPermissionTeam.team_id)
    ):
        out[oid]["team_owners" if codename == edit else "team_users"].append(tid)
    return out


def initial_members(session: Session, creator_id: int, data: dict[str, Any]
                    ) -> tuple[list[int], list[int], list[int], list[int]]:
    """owners (the creator by default), users, team_owners, team_users of a new object, checked."""
    owners = list(dict.fromkeys(data.get("owners") or [creator_id]))
    users = list(dict.fromkeys(data.get("users") or []))
    team_owners = list(dict.fromkeys(data.get("team_owners") or []))
    team_users = list(dict.fromkeys(data.get("team_users") or []))
    check_members(session, owners, team_owners, users_field="owners", teams_field="team_owners")
    check_members(session, users, team_users, users_field="users", teams_field="team_users")
    if creator_id not in owners and creator_id not in users:
        owners.append(creator_id)
    return owners, users, team_owners, team_users



def do_add_permission(session: Session, object_type: str, object_id: int, author_id: int,
                      args: dict[str, Any]) -> tuple[PlanningPermission, dict[str, Any]]:
    """POST …/permissions `{name?, codename, users, teams?}`: create (or extend) that permission.

    The caller's rights are checked by the domain service. Returns the permission and the
    `*_permission_created` event info.
    """
    codename = check_codename(object_type, args.get("codename"))
    users, teams = parse_members(session, args)
    name = args.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 255):
        raise ValidationFailed("name", "must be a string of at most 255 characters")
    perm = create_permission(session, object_type, object_id, codename, users, teams, name)
    unames, tnames = named(session, users, teams)
    return perm, {"permission_id": perm.id, "author_id": author_id, "codename": codename,
                  "users": unames, "teams": tnames}


def do_replace_permission(session: Session, object_type: str, object_id: int, author_id: int,
                          args: dict[str, Any]) -> tuple[PlanningPermission, dict[str, Any]]:
    """PUT …/permissions `{codename, users, teams?}`: the member list becomes exactly `users`."""
    codename = check_codename(object_type, args.get("codename"))
    if "users" not in args:
        raise ValidationFailed("users", "is required")
    users, teams = parse_members(session, args)
    perm = create_permission(session, object_type, object_id, codename, [], [])
    change = replace_members(session, perm, users, teams if "teams" in args else None)
    added_u, added_t = named(session, change["added_users"], change["added_teams"])
    removed_u, removed_t = named(session, change["removed_users"], change["removed_teams"])
    info: dict[str, Any] = {"permission_id": perm.id, "author_id": author_id, "codename": codename,
                            "added": added_u, "removed": removed_u}
    if added_t or removed_t:  # additive keys, only when teams changed
        info.update(added_teams=added_t, removed_teams=removed_t)
    return perm, info
