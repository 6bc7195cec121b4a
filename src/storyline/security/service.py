"""Security handling of stories: information types, the VMT and project security teams, embargoes,
the audit log and disclosure. Services flush; the caller's transaction commits.

Information types and the two v1 flags always agree:

| information_type   | private | security |
|--------------------|---------|----------|
| public             | false   | false    |
| public_security    | false   | true     |
| private_security   | true    | true     |
| private            | true    | false    |
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storyline.db import utcnow
from storyline.errors import BadRequest
from storyline.projects.models import Project
from storyline.security.models import StoryAudit
from storyline.stories.models import Story, StoryTeam, StoryUser, Task
from storyline.users.models import Team, TeamMember, User

INFORMATION_TYPES = {
    "public": (False, False),
    "public_security": (False, True),
    "private_security": (True, True),
    "private": (True, False),
}
FLAGS_TO_TYPE = {flags: name for name, flags in INFORMATION_TYPES.items()}


def information_type(private: bool, security: bool) -> str:
    return FLAGS_TO_TYPE[(bool(private), bool(security))]


def resolve_flags(current: tuple[bool, bool] | None, data: dict[str, Any]) -> tuple[bool, bool]:
    """The (private, security) a create (`current` None) or update asks for.

    `information_type` sets both flags; v1 clients set `private`/`security` and the type follows.
    A new security report is private unless `information_type` says `public_security`.
    """
    itype = data.get("information_type")
    private_in, security_in = data.get("private"), data.get("security")
    if itype is not None:
        if itype not in INFORMATION_TYPES:
            raise BadRequest(f"information_type must be one of {', '.join(INFORMATION_TYPES)}",
                             field="information_type")
        private, security = INFORMATION_TYPES[itype]
        for name, given, wanted in (("private", private_in, private), ("security", security_in, security)):
            if given is not None and bool(given) != wanted:
                raise BadRequest(f"{name} disagrees with information_type {itype}", field="information_type")
        return private, security
    if current is None:
        security = bool(security_in)
        return (True if security else bool(private_in)), security
    private = current[0] if private_in is None else bool(private_in)
    security = current[1] if security_in is None else bool(security_in)
    return private, security


def audit(session: Session, story_id: int, actor_id: int | None, action: str, field: str | None = None,
          old: Any = None, new: Any = None) -> None:
    session.add(StoryAudit(story_id=story_id, actor_id=actor_id, action=action, field=field,
                           old_value=None if old is None else json.dumps(old, default=str),
                           new_value=None if new is None else json.dumps(new, default=str)))


def vmt_team_id(session: Session, team_name: str | None) -> int | None:
    if not team_name:
        return None
    return session.execute(select(Team.id).where(Team.name == team_name)).scalar_one_or_none()


def may_restrict(session: Session, user_id: int, is_superuser: bool, story: Story, policy: SecurityPolicy) -> bool:
    """May this user make a public story private? Its creator, a superuser, or a member of the VMT
    or of the security team of one of its projects: anyone else could hide any story from everyone."""
    if is_superuser or user_id == story.creator_id:
        return True
    teams = security_team_ids(session, story.id) | {vmt_team_id(session, policy.vmt_team)} - {None}
    return bool(teams) and session.execute(select(TeamMember.user_id).where(
        TeamMember.team_id.in_(teams), TeamMember.user_id == user_id)).first() is not None


def security_team_ids(session: Session, story_id: int, project_ids: list[int] | None = None) -> set[int]:
    """Security teams of the given projects, or of every project with a task in the story."""
    stmt = select(Project.security_team_id).where(Project.security_team_id.is_not(None))
    if project_ids is not None:
        stmt = stmt.where(Project.id.in_(project_ids))
    else:
        stmt = stmt.where(Project.id.in_(select(Task.project_id).where(Task.story_id == story_id)))
    return {tid for tid in session.execute(stmt).scalars() if tid is not None}


def grant_teams(session: Session, story: Story, team_ids: set[int], actor_id: int | None, reason: str) -> None:
    """Add teams to a private story's access list (audited); teams already on it are left alone."""
    if not story.private or not team_ids:
        return
    present = set(session.execute(select(StoryTeam.team_id).where(StoryTeam.story_id == story.id)).scalars())
    for tid in sorted(team_ids - present):
        session.add(StoryTeam(story_id=story.id, team_id=tid))
        audit(session, story.id, actor_id, reason, "teams", None, tid)
    session.flush()


def on_task_added(session: Session, story: Story, project_id: int, actor_id: int | None) -> None:
    """A task on a project of a private security story grants that project's security team access.

    On a new report triaged by a team (the VMT), only a responder's task grants it: the reporter
    choosing a project does not show the report to that project's team (security-vmt.md §3.2). A
    report with no team on its list (no VMT configured) grants on any task.
    """
    if not (story.private and story.security):
        return
    list_teams = select(StoryTeam.team_id).where(StoryTeam.story_id == story.id)
    has_team = session.execute(list_teams.limit(1)).first() is not None
    responder = actor_id is not None and session.execute(
        select(TeamMember.user_id).where(TeamMember.user_id == actor_id, TeamMember.team_id.in_(list_teams))
        .limit(1)).first() is not None
    if has_team and not responder:
        return
    grant_teams(session, story, security_team_ids(session, story.id, [project_id]), actor_id,
                "security_team_added")


def check_embargo(story_created: dt.datetime, embargo_until: dt.datetime | None, max_days: int) -> None:
    if embargo_until is None:
        return
    limit = story_created + dt.timedelta(days=max_days)
    if embargo_until > limit:
        raise BadRequest(f"embargo_until may be at most {max_days} days after the report "
                         f"({limit.isoformat()}+00:00)", field="embargo_until")


def embargo_fields(story: Story, now: dt.datetime | None = None) -> dict[str, Any]:
    """Additive story fields: the embargo reminder (date, days left, expired)."""
    now = now or utcnow()
    until = story.embargo_until
    return {
        "information_type": story.information_type,
        "embargo_until": None if until is None else until.isoformat() + "+00:00",
        "embargo_days_left": None if until is None else max((until - now).days, 0),
        "embargo_expired": story.disclosure_due_at is not None or (until is not None and until <= now),
        "disclosure_at": None if story.disclosure_at is None else story.disclosure_at.isoformat() + "+00:00",
    }


@dataclass(frozen=True)
class SecurityPolicy:
    """The deployment's security settings that services need (from Settings)."""

    vmt_team: str | None = None
    embargo_max_days: int = 90


def naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def access_list(session: Session, story_id: int) -> tuple[list[int], list[int]]:
    users = session.execute(select(StoryUser.user_id).where(StoryUser.story_id == story_id)).scalars()
    teams = session.execute(select(StoryTeam.team_id).where(StoryTeam.story_id == story_id)).scalars()
    return sorted(users), sorted(teams)


def listed_users(session: Session, story_id: int) -> list[User]:
    """The users on the story's access list, by id (the caller has fetched the story through the rule)."""
    return list(session.execute(select(User).join(StoryUser, StoryUser.user_id == User.id)
                                .where(StoryUser.story_id == story_id).order_by(User.id)).scalars())


def listed_teams(session: Session, story_id: int) -> list[Team]:
    """The teams on the story's access list, by id."""
    return list(session.execute(select(Team).join(StoryTeam, StoryTeam.team_id == Team.id)
                                .where(StoryTeam.story_id == story_id).order_by(Team.id)).scalars())


def _set_access_list(session: Session, story_id: int, users: list[int], teams: list[int]) -> None:
    session.execute(delete(StoryUser).where(StoryUser.story_id == story_id))
    session.execute(delete(StoryTeam).where(StoryTeam.story_id == story_id))
    session.add_all(StoryUser(story_id=story_id, user_id=u) for u in users)
    session.add_all(StoryTeam(story_id=story_id, team_id=t) for t in teams)
    session.flush()


_UNSET: Any = object()


def apply_visibility(
    session: Session,
    story: Story,
    actor_id: int,
    policy: SecurityPolicy,
    data: dict[str, Any],
    *,
    creating: bool,
) -> bool:
    """Apply privacy, information type, access list, embargo and disclosure time from `data`.

    Everything is checked before anything changes. Returns whether something changed; every change
    is recorded in the audit log. The access list of a private story is never left empty: making a
    story private without a list puts the caller on it. A private security story always gets the
    VMT and the security teams of its projects.
    """
    current = None if creating else (story.private, story.security)
    private, security = resolve_flags(current, data)
    old_users, old_teams = ([], []) if creating else access_list(session, story.id)
    new_users = data.get("users")
    new_teams = data.get("teams")
    embargo = naive_utc(data.get("embargo_until", _UNSET)) if "embargo_until" in data else _UNSET
    disclosure = naive_utc(data.get("disclosure_at", _UNSET)) if "disclosure_at" in data else _UNSET

    if private:
        users = list(new_users) if new_users is not None else list(old_users)
        teams = list(new_teams) if new_teams is not None else list(old_teams)
        if not users and not teams:
            if not creating and (new_users is not None or new_teams is not None):
                raise BadRequest("A private story needs at least one user or team on its access list",
                                 field="users")
            users = [actor_id]
        if story.creator_id is not None and story.creator_id not in users:
            users.append(story.creator_id)  # the creator (reporter) is never locked out of their story
        if security and (creating or not (story.private and story.security)):
            vmt = vmt_team_id(session, policy.vmt_team)
            extra = {vmt} if vmt is not None else set()
            if vmt is None:
                # No vulnerability management team configured (or it does not exist yet): the
                # superusers handle reports, visibly on the list, so a report never reaches nobody.
                users = sorted(set(users) | set(session.execute(
                    select(User.id).where(User.is_superuser.is_(True), User.enable_login.is_(True))).scalars()))
            if not creating:
                extra |= security_team_ids(session, story.id)
            teams = sorted(set(teams) | extra)
    else:
        users, teams = [], []
        for name, value in (("embargo_until", embargo), ("disclosure_at", disclosure)):
            if value is not _UNSET and value is not None:
                raise BadRequest(f"{name} applies only to private stories", field=name)

    reported = story.created_at or utcnow()
    if embargo is _UNSET:
        embargo = story.embargo_until if private else None
        if private and security and embargo is None and (creating or not story.security):
            embargo = reported + dt.timedelta(days=policy.embargo_max_days)
    if disclosure is _UNSET:
        disclosure = story.disclosure_at if private else None
    if embargo is not None:
        check_embargo(reported, embargo, policy.embargo_max_days)

    changes: list[tuple[str, Any, Any]] = []
    new_type = information_type(private, security)
    old_type = None if creating else story.information_type
    if new_type != old_type:
        changes.append(("information_type", old_type, new_type))
    if (sorted(set(users)), sorted(set(teams))) != (old_users, old_teams):
        if sorted(set(users)) != old_users:
            changes.append(("users", old_users, sorted(set(users))))
        if sorted(set(teams)) != old_teams:
            changes.append(("teams", old_teams, sorted(set(teams))))
        _set_access_list(session, story.id, sorted(set(users)), sorted(set(teams)))
    if embargo != (None if creating else story.embargo_until):
        changes.append(("embargo_until", None if creating else story.embargo_until, embargo))
    if disclosure != (None if creating else story.disclosure_at):
        changes.append(("disclosure_at", None if creating else story.disclosure_at, disclosure))

    story.private, story.security, story.information_type = private, security, new_type
    story.embargo_until, story.disclosure_at = embargo, disclosure
    if not private:
        story.disclosure_due_at = None
    for field, old, new in changes:
        if creating and field != "information_type" and not new:
            continue
        audit(session, story.id, actor_id, "created" if creating else "changed", field, old, new)
    return bool(changes)
