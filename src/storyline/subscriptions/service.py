"""Writes on subscriptions and on the notification inbox. Services flush; the request commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, can_see_story, require_user
from storyline.errors import BadRequest, Conflict, Forbidden
from storyline.planning.access import board_visible, worklist_visible
from storyline.planning.models import Board, Worklist
from storyline.projects.models import Project, ProjectGroup
from storyline.subscriptions.models import Subscription
from storyline.subscriptions.queries import can_see_task, get_event, get_subscription
from storyline.users.models import User

TARGET_LABELS = {
    "task": "Task", "story": "Story", "project": "Project", "project_group": "Project group",
    "worklist": "Worklist", "board": "Board",
}


def _target_visible(session: Session, viewer: Viewer, target_type: str, target_id: int) -> bool:
    """The target exists and `viewer` may see it."""
    if target_type == "story":
        return can_see_story(session, viewer, target_id)
    if target_type == "task":
        return can_see_task(session, viewer, target_id)
    if target_type == "project":
        return session.execute(select(Project.id).where(Project.id == target_id)).first() is not None
    if target_type == "project_group":
        return session.execute(
            select(ProjectGroup.id).where(ProjectGroup.id == target_id)
        ).first() is not None
    if target_type == "worklist":
        return session.execute(
            select(Worklist.id).where(Worklist.id == target_id, worklist_visible(viewer))
        ).first() is not None
    if target_type == "board":
        return session.execute(
            select(Board.id).where(Board.id == target_id, board_visible(viewer))
        ).first() is not None
    return False


def do_subscribe(session: Session, viewer: Viewer, data: dict[str, Any]) -> Subscription:
    """Subscribe `user_id` (the caller by default) to a target that exists and is visible.

    Only superusers subscribe someone else (403). The target must be visible to the caller and to
    the subscriber (400 naming `target_id`, as for a missing one). A duplicate is a 409.
    """
    uid = require_user(viewer)
    user_id = data.get("user_id")
    if user_id is None:
        user_id = uid
    if user_id != uid:
        if not viewer.is_superuser:
            raise Forbidden("You may only subscribe yourself.")
        if session.execute(select(User.id).where(User.id == user_id)).first() is None:
            raise BadRequest(f"User {user_id} not found", field="user_id")
    target_type, target_id = data["target_type"], data["target_id"]
    viewers = [viewer] if user_id == uid else [viewer, Viewer(user_id=user_id)]
    if not all(_target_visible(session, v, target_type, target_id) for v in viewers):
        raise BadRequest(f"{TARGET_LABELS[target_type]} {target_id} not found", field="target_id")
    duplicate = session.execute(
        select(Subscription.id).where(
            Subscription.user_id == user_id, Subscription.target_type == target_type,
            Subscription.target_id == target_id,
        )
    ).first()
    if duplicate is not None:
        raise Conflict("This subscription already exists.")
    sub = Subscription(user_id=user_id, target_type=target_type, target_id=target_id)
    session.add(sub)
    session.flush()
    return sub


def do_unsubscribe(session: Session, viewer: Viewer, subscription_id: int) -> None:
    """The subscription's owner or a superuser (401/403; 404 as `get_subscription`)."""
    session.delete(get_subscription(session, viewer, subscription_id))
    session.flush()


def do_delete_event(session: Session, viewer: Viewer, event_id: int) -> None:
    """The inbox row's subscriber or a superuser (401/403; 404 as `get_event`)."""
    session.delete(get_event(session, viewer, event_id))
    session.flush()
