"""Tables of notifications: the instance's signing keys and each digest reader's progress."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base


class InstanceSecret(Base):
    """A random key of this instance, made on first use and shared by every process (signed links and
    reply addresses verify on any of them)."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), nullable=False)


class DigestMark(Base):
    """How far a user's e-mail digest has gone: the last inbox row (subscription event) it included."""

    __tablename__ = "notification_digests"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)


__all__ = ["DigestMark", "InstanceSecret"]
