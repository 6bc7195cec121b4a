"""Subscriptions and the notification inbox (subscription events)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, TimestampMixin

TARGET_TYPES = ("task", "story", "project", "project_group", "worklist", "board")


class Subscription(TimestampMixin, Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id"),
        Index("ix_subscriptions_target", "target_type", "target_id"),
    )


class SubscriptionEvent(TimestampMixin, Base):
    __tablename__ = "subscription_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    event_info: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The story the event is about, so the inbox can be filtered by the visibility rule on read.
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=True)

    __table_args__ = (Index("ix_subscription_events_subscriber", "subscriber_id", "id"),)
