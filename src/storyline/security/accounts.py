"""Ways into private stories that do not touch an access list, made visible.

Superusers do not bypass access lists, but an administrator can still reach a private story in two
ways that Storyline keeps because administrators need them: by minting a token for someone who is
on the list (`POST /v1/users/{id}/tokens`, `storyline tokens create`), or by changing the members of
a team that is on it (`PUT /v1/teams/{id}/users/{uid}`, `storyline teams add-member`). Neither is
silent. Each is recorded in the audit log of every private story it opens (or closes), which the
people on the list read, and told to the person concerned through their inbox
(`/v1/subscription_events`). Services flush; the caller's transaction commits.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Select, func, insert, literal, null, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, can_see_story, require_superuser, story_visible
from storyline.db import utcnow
from storyline.errors import BadRequest, NotFound
from storyline.security.models import StoryAudit
from storyline.stories.models import Story, StoryTeam, StoryUser
from storyline.subscriptions.models import SubscriptionEvent
from storyline.users.models import AccessToken, Team, TeamMember


def _audit_each(session: Session, stories: Select[Any], actor_id: int | None, action: str, field: str,
                new: dict[str, Any], now: dt.datetime) -> int:
    """One audit row per story id that `stories` selects, in one statement; returns how many."""
    ids = stories.subquery()
    count = session.execute(select(func.count()).select_from(ids)).scalar_one()
    if count:
        rows = select(ids.c.id, literal(actor_id), literal(action), literal(field), null(),
                      literal(json.dumps(new)), literal(now))
        session.execute(insert(StoryAudit).from_select(
            ["story_id", "actor_id", "action", "field", "old_value", "new_value", "created_at"], rows))
    return int(count)


def _tell(session: Session, user_id: int, actor_id: int | None, event_type: str, info: dict[str, Any],
          now: dt.datetime) -> None:
    session.add(SubscriptionEvent(subscriber_id=user_id, author_id=actor_id, event_type=event_type,
                                  story_id=None, event_info=json.dumps(info), created_at=now,
                                  updated_at=now))


def private_stories_seen_by(user_id: int) -> Select[Any]:
    """The private stories a user can see (directly on the list or through a team)."""
    return select(Story.id).where(Story.private.is_(True), story_visible(Viewer(user_id=user_id)))


def token_created(session: Session, actor_id: int | None, token: AccessToken) -> None:
    """A token made by someone else than its owner (a superuser, or the CLI when `actor_id` is None)."""
    if actor_id == token.user_id:
        return
    now = utcnow()
    info = {"token_id": token.id, "user_id": token.user_id, "name": token.name,
            "expires_at": token.expires_at.isoformat() + "+00:00", "created_by": actor_id}
    opened = _audit_each(session, private_stories_seen_by(token.user_id), actor_id,
                         "token_created_for_user", "tokens", info, now)
    _tell(session, token.user_id, actor_id, "user_token_created", {**info, "private_stories": opened}, now)
    session.flush()


def team_membership_changed(session: Session, actor_id: int | None, team: Team, user_id: int,
                            added: bool) -> None:
    """A member joined or left a team: recorded in every private story the team is on."""
    now = utcnow()
    action = "team_member_added" if added else "team_member_removed"
    info = {"team_id": team.id, "team_name": team.name, "user_id": user_id, "changed_by": actor_id}
    listed = (select(Story.id).join(StoryTeam, StoryTeam.story_id == Story.id)
              .where(StoryTeam.team_id == team.id, Story.private.is_(True)))
    count = _audit_each(session, listed, actor_id, action, "team_members", info, now)
    if actor_id != user_id or count:
        _tell(session, user_id, actor_id, action, {**info, "private_stories": count}, now)
    session.flush()


def recover_access(session: Session, actor: Viewer, story_id: int) -> Story:
    """A superuser joins the access list of a private story they cannot see: the audited way back
    into a story hidden from everyone who should see it (by mistake or on purpose).

    Recorded in the story's audit log (`superuser_recovery`) and told to everyone already on the list
    (inbox event `story_access_recovered`). The superuser can then fix the list or make it public
    through the ordinary API. A public story, or one the superuser already sees, is a 400."""
    uid = require_superuser(actor)
    story = session.get(Story, story_id)
    if story is None:
        raise NotFound(f"Story {story_id} not found")
    if not story.private:
        raise BadRequest(f"Story {story_id} is public: nothing to recover", field="story_id")
    if can_see_story(session, actor, story_id):
        raise BadRequest(f"You can already see story {story_id}", field="story_id")
    now = utcnow()
    told = set(session.execute(select(StoryUser.user_id).where(StoryUser.story_id == story_id)).scalars())
    told |= set(session.execute(select(TeamMember.user_id).join(StoryTeam, StoryTeam.team_id == TeamMember.team_id)
                                .where(StoryTeam.story_id == story_id)).scalars())
    session.add(StoryUser(story_id=story_id, user_id=uid))
    _audit_each(session, select(Story.id).where(Story.id == story_id), uid, "superuser_recovery", "users",
                {"user_id": uid}, now)
    for person in sorted(told):
        session.add(SubscriptionEvent(subscriber_id=person, author_id=uid, event_type="story_access_recovered",
                                      story_id=story_id, created_at=now, updated_at=now,
                                      event_info=json.dumps({"story_id": story_id, "user_id": uid})))
    session.flush()
    return story
