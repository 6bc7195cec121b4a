"""Reads of subscriptions and of the notification inbox, and their v1 JSON.

Subscriptions to stories and tasks, and inbox rows about a story, are shown only while the story is
visible (reference §5.2): to the caller, and for inbox rows also to the subscriber.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, require_user, story_id_visible, story_visible
from storyline.errors import Forbidden, NotFound, ValidationFailed
from storyline.planning.access import board_visible, worklist_visible
from storyline.planning.models import Board, Worklist
from storyline.sqltools import ts
from storyline.stories.models import Story, Task
from storyline.subscriptions.models import TARGET_TYPES, Subscription, SubscriptionEvent

SUBSCRIPTION_SORT = {c.key: c for c in Subscription.__table__.columns}
EVENT_SORT = {c.key: c for c in SubscriptionEvent.__table__.columns}


# ---- subscriptions --------------------------------------------------------------------------------

def subscription_json(s: Subscription) -> dict[str, Any]:
    return {
        "user_id": s.user_id, "target_type": s.target_type, "target_id": s.target_id,
        "id": s.id, "created_at": ts(s.created_at), "updated_at": ts(s.updated_at),
    }


def target_visible(viewer: Viewer) -> ColumnElement[bool]:
    """SQL predicate on Subscription: its story, task, worklist or board target is visible to `viewer`."""
    story_ok = exists().where(Story.id == Subscription.target_id, story_visible(viewer))
    task_ok = exists().where(
        Task.id == Subscription.target_id, Story.id == Task.story_id, story_visible(viewer)
    )
    worklist_ok = exists().where(Worklist.id == Subscription.target_id, worklist_visible(viewer))
    board_ok = exists().where(Board.id == Subscription.target_id, board_visible(viewer))
    return or_(
        Subscription.target_type.not_in(("story", "task", "worklist", "board")),
        and_(Subscription.target_type == "board", board_ok),
        and_(Subscription.target_type == "story", story_ok),
        and_(Subscription.target_type == "task", task_ok),
        and_(Subscription.target_type == "worklist", worklist_ok),
    )


def subscriptions_query(
    viewer: Viewer, *, user_id: int | None, target_types: Sequence[str], target_id: int | None
) -> Select[Any]:
    """Signed in (401). A non-superuser always gets their own subscriptions, whatever `user_id` says."""
    require_user(viewer)
    for t in target_types:
        if t not in TARGET_TYPES:
            raise ValidationFailed("target_type", f"'{t}' is not one of {', '.join(TARGET_TYPES)}")
    stmt = select(Subscription).where(target_visible(viewer))
    if not viewer.is_superuser:
        user_id = viewer.user_id
    if user_id is not None:
        stmt = stmt.where(Subscription.user_id == user_id)
    if target_types:
        stmt = stmt.where(Subscription.target_type.in_(list(target_types)))
    if target_id is not None:
        stmt = stmt.where(Subscription.target_id == target_id)
    return stmt


def get_subscription(session: Session, viewer: Viewer, subscription_id: int) -> Subscription:
    """Owner or superuser (401 anonymous, else 403); 404 when missing or its target is invisible to the
    caller."""
    require_user(viewer)
    sub = session.get(Subscription, subscription_id)
    if sub is None:
        raise NotFound(f"Subscription {subscription_id} not found")
    if sub.user_id != viewer.user_id and not viewer.is_superuser:
        raise Forbidden("You may only see your own subscriptions.")
    visible = session.execute(
        select(Subscription.id).where(Subscription.id == sub.id, target_visible(viewer))
    ).first()
    if visible is None:
        raise NotFound(f"Subscription {subscription_id} not found")
    return sub


def can_see_task(session: Session, viewer: Viewer, task_id: int) -> bool:
    return session.execute(
        select(Task.id).join(Story, Story.id == Task.story_id)
        .where(Task.id == task_id, story_visible(viewer))
    ).first() is not None


# ---- subscription events (the inbox) --------------------------------------------------------------

def event_json(e: SubscriptionEvent) -> dict[str, Any]:
    return {
        "subscriber_id": e.subscriber_id, "author_id": e.author_id, "event_type": e.event_type,
        "event_info": e.event_info,
        "id": e.id, "created_at": ts(e.created_at), "updated_at": ts(e.updated_at),
    }


def _event_visible(viewer: Viewer, subscriber_id: int) -> ColumnElement[bool]:
    """Rows about a story need the story visible to the caller and to the subscriber."""
    pred = story_id_visible(viewer, SubscriptionEvent.story_id)
    if subscriber_id != viewer.user_id:
        pred = and_(pred, story_id_visible(Viewer(user_id=subscriber_id), SubscriptionEvent.story_id))
    return pred


def events_query(viewer: Viewer, *, subscriber_id: int | None, event_types: Sequence[str]) -> Select[Any]:
    """The inbox of `subscriber_id` (the caller by default; others' only for superusers, else 403)."""
    uid = require_user(viewer)
    if subscriber_id is None:
        subscriber_id = uid
    if subscriber_id != uid and not viewer.is_superuser:
        raise Forbidden("You may only read your own subscription events.")
    stmt = select(SubscriptionEvent).where(
        SubscriptionEvent.subscriber_id == subscriber_id, _event_visible(viewer, subscriber_id)
    )
    if event_types:
        stmt = stmt.where(SubscriptionEvent.event_type.in_(list(event_types)))
    return stmt


def get_event(session: Session, viewer: Viewer, event_id: int) -> SubscriptionEvent:
    """Owner or superuser (401 anonymous, else 403); 404 when missing or about a story that is not visible."""
    require_user(viewer)
    event = session.get(SubscriptionEvent, event_id)
    if event is None:
        raise NotFound(f"Subscription event {event_id} not found")
    if event.subscriber_id != viewer.user_id and not viewer.is_superuser:
        raise Forbidden("You may only see your own subscription events.")
    visible = session.execute(
        select(SubscriptionEvent.id).where(
            SubscriptionEvent.id == event.id, _event_visible(viewer, event.subscriber_id)
        )
    ).first()
    if visible is None:
        raise NotFound(f"Subscription event {event_id} not found")
    return event
