"""Outbound webhooks: the hooks (a URL called on story events of a project, a project group or
everything) and their delivery log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, utcnow


class Webhook(Base):
    """A URL told of every story event in its scope: one project, one project group, or everything
    (both NULL; superusers only). Its secret is kept as given: it is the key of the HMAC that signs
    each delivery."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), nullable=True)
    project_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_groups.id", ondelete="CASCADE"), nullable=True)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255), nullable=True)
    secret: Mapped[str] = mapped_column(String(128), nullable=False)
    # A JSON list of event types; NULL: every story event.
    event_types: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Failed requests since the last success; at `webhook_max_failures` the hook is disabled.
    failures: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    __table_args__ = (Index("ix_webhooks_project", "project_id"), Index("ix_webhooks_project_group", "project_group_id"),
                      Index("ix_webhooks_owner", "owner_id"))


class WebhookDelivery(Base):
    """One story event for one hook: the body built when it was queued, signed and sent as it is at
    every attempt (a retry or redelivery carries the same `guid`), and the last attempt's outcome."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False)
    guid: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    event_type: Mapped[str] = mapped_column(String(50), nullable=False)
    # The story the event is about: the log shows a delivery only to those who may see it.
    story_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    request_body: Mapped[str] = mapped_column(Text, nullable=False)
    # pending (queued or being retried), delivered, failed (attempts used up), cancelled (hook disabled)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    response_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    attempted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    redeliveries: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    __table_args__ = (Index("ix_webhook_deliveries_hook", "hook_id", "id"),)


__all__ = ["Webhook", "WebhookDelivery"]
