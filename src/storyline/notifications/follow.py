"""Who starts following a story without asking: its reporter (stories/service.py), whoever comments on
it, whoever is assigned one of its tasks, and whoever is @mentioned in it and may see it. Each can
unsubscribe at any time (and is not subscribed again until the next such action).

Mentions: `@[Full Name]` (what the web client inserts when completing a name) or `@address@example.org`.
Text in code spans and code blocks does not mention anyone. A mention of someone who may not see the
story does nothing, and the writer is told nothing either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import DateTime, Integer, bindparam, exists, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from storyline.authz import users_who_can_see_story
from storyline.db import insert_missing, utcnow
from storyline.sqltools import table_of
from storyline.subscriptions.models import Subscription
from storyline.users.models import User

MENTION = re.compile(
    r"(?<![\w@/])@(?:\[([^\]\n]{1,255})\]|([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+))")
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.DOTALL)
MAX_MENTIONS = 50  # more in one text are ignored (a paste of a mailing list is not fifty mentions)


def mentions(text: str | None) -> tuple[set[str], set[str]]:
    """The full names and the addresses a text mentions (lower case), outside code."""
    if not text or "@" not in text:
        return set(), set()
    names: set[str] = set()
    addresses: set[str] = set()
    for match in MENTION.finditer(_CODE.sub(" ", text)):
        if len(names) + len(addresses) >= MAX_MENTIONS:
            break
        if match.group(1):
            names.add(" ".join(match.group(1).split()).lower())
        else:
            addresses.add(match.group(2).rstrip(".").lower())
    return names, addresses


def mentioned_users(session: Session, text: str | None) -> set[int]:
    """The users a text mentions. A name that several people share mentions none of them."""
    names, addresses = mentions(text)
    found: set[int] = set()
    if addresses:
        found |= set(session.execute(select(User.id).where(func.lower(User.email).in_(sorted(addresses)))).scalars())
    if names:
        rows = session.execute(select(func.lower(User.full_name), User.id).where(
            func.lower(User.full_name).in_(sorted(names)))).all()
        by_name: dict[str, list[int]] = {}
        for name, uid in rows:
            by_name.setdefault(name, []).append(uid)
        found |= {ids[0] for ids in by_name.values() if len(ids) == 1}
    return found


def follow_story(session: Session, story_id: int, user_ids: Iterable[int]) -> None:
    """Subscribe these users to the story, those who follow it already staying as they are."""
    ids = sorted(set(user_ids))
    if ids:
        now = utcnow()
        insert_missing(session, Subscription.__table__,
                       [{"user_id": uid, "target_type": "story", "target_id": story_id, "created_at": now}
                        for uid in ids], unique=["user_id", "target_type", "target_id"])


def follow_mentioned(session: Session, story_id: int, text: str | None, author_id: int | None) -> list[int]:
    """Subscribe the people a text on the story mentions who may see it; their ids."""
    users = mentioned_users(session, text) - {author_id}
    if not users:
        return []
    session.flush()  # a story just created is on its access list before the rule is asked
    visible = sorted(users_who_can_see_story(session, story_id, users))
    follow_story(session, story_id, visible)
    return visible


_FOLLOWS = select(Subscription.id).where(Subscription.user_id == bindparam("user_id"),
                                          Subscription.target_type == "story",
                                          Subscription.target_id == bindparam("story_id"))


def follow_as_participant(session: Session, story_id: int, user_id: int) -> None:
    """A commenter or assignee follows the story (one read when they do already, the usual case)."""
    if session.connection().execute(_FOLLOWS, {"user_id": user_id, "story_id": story_id}).first() is None:
        follow_story(session, story_id, [user_id])


def participant_follows(user_id: str, story_id: str, now: str) -> Insert:
    """PostgreSQL: follow_as_participant as an INSERT to put in another statement's WITH (a comment's:
    stories/comments.py), its values the bound parameters named here. It writes a row only when the
    user does not follow the story yet, and skips one another transaction wrote meanwhile."""
    user, story = bindparam(user_id, type_=Integer), bindparam(story_id, type_=Integer)
    follows = exists().where(Subscription.user_id == user, Subscription.target_type == "story",
                             Subscription.target_id == story)
    return (pg_insert(table_of(Subscription))
            .from_select(["user_id", "target_type", "target_id", "created_at"],
                         select(user, literal("story"), story, bindparam(now, type_=DateTime)).where(~follows))
            .on_conflict_do_nothing(index_elements=["user_id", "target_type", "target_id"]))


def follow_assignee(session: Session, story_id: int, user_id: int) -> None:
    """Someone assigned a task follows its story, if they may see it."""
    session.flush()
    if users_who_can_see_story(session, story_id, {user_id}):
        follow_as_participant(session, story_id, user_id)


__all__ = ["follow_assignee", "follow_as_participant", "follow_mentioned", "follow_story", "mentioned_users", "mentions",
           "participant_follows"]
