"""What a notification e-mail's links do without a login: one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storyline import signing
from storyline.errors import NotFound
from storyline.notifications.preferences import MODE_KEY
from storyline.subscriptions.models import Subscription
from storyline.users.models import UserPreference
from storyline.users.service import do_set_preferences

LABELS = {"story": "story", "task": "task", "project": "project", "project_group": "project group",
          "worklist": "worklist", "board": "board", "email": "e-mail notifications"}


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    target_type: str
    target_id: int

    @property
    def label(self) -> str:
        if self.target_type == "email":
            return LABELS["email"]
        return f"{LABELS[self.target_type]} {self.target_id}"


def read_unsubscribe_token(session: Session, token: str) -> Unsubscribe:
    """The subscription a List-Unsubscribe link names; 404 for a forged or altered one."""
    message = signing.verify(session, "unsubscribe", token) if len(token) <= 200 else None
    parts = message.split(".") if message else []
    if len(parts) != 3 or parts[1] not in LABELS or not parts[0].isdigit() or not parts[2].isdigit():
        raise NotFound("This unsubscribe link is not valid")
    return Unsubscribe(int(parts[0]), parts[1], int(parts[2]))


def unsubscribe(session: Session, link: Unsubscribe) -> bool:
    """Remove the subscription the e-mail came through (a digest's link: turn e-mail off); False if it
    was gone already."""
    if link.target_type == "email":
        row = session.get(UserPreference, (link.user_id, MODE_KEY))
        if row is not None and row.value == json.dumps("never"):
            return False
        do_set_preferences(session, link.user_id, {MODE_KEY: "never"})
        return True
    result = session.execute(delete(Subscription).where(
        Subscription.user_id == link.user_id, Subscription.target_type == link.target_type,
        Subscription.target_id == link.target_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


__all__ = ["Unsubscribe", "read_unsubscribe_token", "unsubscribe"]
