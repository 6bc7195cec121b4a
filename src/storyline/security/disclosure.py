"""Disclosure: making a private story public (now, in bulk, or at a scheduled time by the worker),
and flagging embargoes that reached their limit."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, get_story
from storyline.db import utcnow
from storyline.errors import BadRequest
from storyline.security.service import SecurityPolicy, apply_visibility, audit, vmt_team_id
from storyline.stories.models import Story
from storyline.subscriptions.models import SubscriptionEvent
from storyline.timeline import emit
from storyline.users.models import TeamMember

log = logging.getLogger("storyline.worker")


def _disclose(session: Session, story: Story, actor_id: int | None, policy: SecurityPolicy,
              scheduled_for: dt.datetime | None = None) -> None:
    """Flip to public (public_security for security stories), clear the embargo, record it, and only
    then emit the event, so that notifications go to everyone subscribed to the projects."""
    now = utcnow()
    old_type = story.information_type
    apply_visibility(session, story, actor_id or story.creator_id, policy,
                     {"private": False, "embargo_until": None, "disclosure_at": None}, creating=False)
    details: dict[str, object] = {"from": old_type, "to": story.information_type}
    if scheduled_for is not None:
        details["scheduled_for"] = scheduled_for.isoformat() + "+00:00"
        details["delay_seconds"] = int((now - scheduled_for).total_seconds())
    audit(session, story.id, actor_id, "disclosed", "information_type", old_type, details)
    story.updated_at = now
    emit(session, "story_disclosed", author_id=actor_id, story_id=story.id,
         info={"story_id": story.id, "story_title": story.title, "information_type": story.information_type})


def do_disclose(session: Session, viewer: Viewer, story_ids: Iterable[int], policy: SecurityPolicy) -> list[Story]:
    """Disclose one or several stories (an advisory's), all or nothing. The caller must see each one."""
    ids = list(dict.fromkeys(story_ids))
    if not ids:
        raise BadRequest("No story given", field="story_ids")
    stories = [get_story(session, viewer, sid) for sid in ids]
    for story in stories:
        if not story.private:
            raise BadRequest(f"Story {story.id} is already public", field="story_ids")
    for story in stories:
        _disclose(session, story, viewer.user_id, policy)
    return stories


def run_due(session: Session, policy: SecurityPolicy, now: dt.datetime | None = None) -> dict[str, int]:
    """The worker's pass: scheduled disclosures that are due (late ones too, with their delay), and
    embargoes past their limit flagged once (an inbox entry for each VMT member)."""
    now = now or utcnow()
    due = session.execute(
        select(Story).where(Story.private.is_(True), Story.disclosure_at.is_not(None), Story.disclosure_at <= now)
        .order_by(Story.id).with_for_update(skip_locked=True)
    ).scalars().all()
    for story in due:
        scheduled = story.disclosure_at
        _disclose(session, story, None, policy, scheduled_for=scheduled)
        log.info("disclosed story %s (scheduled for %s)", story.id, scheduled)

    expired = session.execute(
        select(Story).where(Story.private.is_(True), Story.embargo_until.is_not(None),
                            Story.embargo_until <= now, Story.disclosure_due_at.is_(None))
        .order_by(Story.id).with_for_update(skip_locked=True)
    ).scalars().all()
    vmt = vmt_team_id(session, policy.vmt_team)
    members = [] if vmt is None else list(
        session.execute(select(TeamMember.user_id).where(TeamMember.team_id == vmt)).scalars())
    for story in expired:
        assert story.embargo_until is not None  # selected for it
        story.disclosure_due_at = now
        audit(session, story.id, None, "embargo_expired", "embargo_until", None,
              story.embargo_until.isoformat() + "+00:00" if story.embargo_until else None)
        # VMT members are on the list of every security report, so they may see this entry.
        session.add_all(SubscriptionEvent(
            subscriber_id=uid, author_id=None, event_type="embargo_expired", story_id=story.id,
            event_info=json.dumps({"story_id": story.id, "story_title": story.title,
                                   "embargo_until": story.embargo_until.isoformat() + "+00:00"}))
            for uid in members)
    session.flush()
    return {"disclosed": len(due), "embargo_expired": len(expired)}
