"""E-mail digests: one message a day (or a week) listing what happened, grouped by story.

A reader whose `notifications_email` preference is "daily" or "weekly" (or StoryBoard's
`plugin_email_digest`) gets no e-mail per event; the worker (`run_due`, at each pass) finds whose
digest is due (daily at `digest_hour` UTC, weekly on Mondays at that hour), queues one e-mail naming
the range of that reader's inbox rows it covers, and moves the reader's mark past them, in one
transaction. What the e-mail says is decided when it is sent: only stories the reader may see then,
without the event types they muted.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from email.message import Message
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storyline import outbox
from storyline.authz import users_who_can_see_story
from storyline.config import Settings
from storyline.notifications.models import DigestMark
from storyline.notifications.preferences import KEYS, choices
from storyline.stories.models import Story
from storyline.subscriptions.models import SubscriptionEvent
from storyline.users.models import User, UserPreference

PERIODS = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7)}


def last_due_time(mode: str, now: dt.datetime, hour: int) -> dt.datetime:
    """The latest scheduled time of a digest of this mode at or before `now`."""
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at > now:
        at -= dt.timedelta(days=1)
    if mode == "weekly":
        at -= dt.timedelta(days=at.weekday())  # back to Monday
    return at


def digest_readers(session: Session) -> dict[int, str]:
    """Users whose e-mail comes as a digest, with its mode."""
    candidates = session.execute(select(UserPreference.user_id).where(UserPreference.key.in_(KEYS)).distinct())
    return {uid: c.mode for uid, c in choices(session, candidates.scalars()).items() if c.mode in PERIODS}


def run_due(session: Session, settings: Settings, now: dt.datetime) -> int:
    """Queue the digests due at `now`; the number queued."""
    from storyline.notifications.mail import mail_enabled

    if not mail_enabled(settings):
        return 0
    queued = 0
    readers = digest_readers(session)
    marks = {m.user_id: m for m in session.execute(
        select(DigestMark).where(DigestMark.user_id.in_(sorted(readers)))).scalars()} if readers else {}
    for uid, mode in sorted(readers.items()):
        due_at = last_due_time(mode, now, settings.digest_hour)
        mark = marks.get(uid)
        if mark is not None and mark.sent_at >= due_at:
            continue
        if mark is None:  # a new digest reader: what reached the inbox during the last period
            after = session.execute(select(func.max(SubscriptionEvent.id)).where(
                SubscriptionEvent.subscriber_id == uid,
                SubscriptionEvent.created_at < due_at - PERIODS[mode])).scalar() or 0
        else:
            after = mark.last_event_id
        upto = session.execute(select(func.max(SubscriptionEvent.id)).where(
            SubscriptionEvent.subscriber_id == uid, SubscriptionEvent.id > after,
            SubscriptionEvent.created_at <= now)).scalar()
        if upto is not None:
            outbox.enqueue(session, "email", {"type": "digest", "user_id": uid, "mode": mode, "after": after,
                                              "upto": upto, "at": due_at.isoformat()})
            queued += 1
        if mark is None:
            session.add(DigestMark(user_id=uid, last_event_id=upto or after, sent_at=now))
        else:
            mark.last_event_id, mark.sent_at = upto or after, now
    session.flush()
    return queued


def build_digest_message(session: Session, settings: Settings, payload: dict[str, Any]) -> Message | None:
    from storyline.notifications.mail import (
        UNDELIVERABLE_DOMAINS,
        _message,
        describe,
        domain_of,
        render,
        story_url,
        unsubscribe_url,
    )

    uid = payload["user_id"]
    recipient = session.get(User, uid)
    if recipient is None or not recipient.email or recipient.email.endswith(UNDELIVERABLE_DOMAINS):
        return None
    choice = choices(session, [uid])[uid]
    if choice.mode == "never":
        return None
    events = session.execute(select(SubscriptionEvent).where(
        SubscriptionEvent.subscriber_id == uid, SubscriptionEvent.id > payload["after"],
        SubscriptionEvent.id <= payload["upto"], SubscriptionEvent.story_id.is_not(None))
        .order_by(SubscriptionEvent.id)).scalars().all()
    by_story: OrderedDict[int, list[str]] = OrderedDict()
    for e in events:
        if e.event_type in choice.muted or e.story_id is None:
            continue
        summary, _ = describe(session, {"event_type": e.event_type, "event_info": e.event_info,
                                        "author_id": e.author_id, "story_id": e.story_id})
        by_story.setdefault(e.story_id, []).append(summary)
    stories: list[dict[str, Any]] = []
    for story_id, lines in by_story.items():
        story = session.get(Story, story_id)
        if story is None or uid not in users_who_can_see_story(session, story_id, {uid}):
            continue  # the one visibility rule, now: a story the reader may no longer see is left out
        stories.append({"story": story, "url": story_url(settings, story_id), "lines": lines})
    if not stories:
        return None
    changes = sum(len(s["lines"]) for s in stories)
    period = "Daily" if payload["mode"] == "daily" else "Weekly"
    subject = f"[Storyline] {period} digest: {changes} change{'s' * (changes != 1)} in " \
              f"{len(stories)} stor{'ies' if len(stories) != 1 else 'y'}"
    unsubscribe = unsubscribe_url(session, settings, uid, ("email", 0))
    text, html = render("digest", stories=stories, period=period.lower(), unsubscribe=unsubscribe,
                        preferences=f"{settings.public_url}/#!/preferences")
    return _message(session, settings, recipient, subject=subject, text=text, html=html,
                    message_id=f"<digest-{uid}-{payload['upto']}@{domain_of(settings)}>",
                    headers={"X-Storyline-Digest": payload["mode"],
                             "X-Storyline-Story": ", ".join(str(s["story"].id) for s in stories)},
                    reason=("email", 0), story_id=None)


__all__ = ["build_digest_message", "digest_readers", "last_due_time", "run_due"]
