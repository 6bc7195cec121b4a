"""Request bodies and documented response shapes of subscriptions and subscription events."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from storyline.schemas import DbId, In, Resource

TargetType = Literal["task", "story", "project", "project_group", "worklist", "board"]


class SubscriptionIn(In):
    target_type: TargetType
    target_id: DbId
    user_id: DbId | None = Field(None, description="The subscriber; the caller when omitted")


class SubscriptionOut(Resource):
    user_id: int
    target_type: str
    target_id: int


class SubscriptionEventOut(Resource):
    subscriber_id: int
    author_id: int | None
    event_type: str
    event_info: str | None = Field(description="A JSON-encoded object, as a string")
