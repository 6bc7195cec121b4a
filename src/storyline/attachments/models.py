"""Attachments: metadata rows per story, and their content in a separate blob table.

The content is stored once per distinct file (keyed by its SHA-256): the same patch attached to
three stories is one blob and three attachment rows. Blobs live in the database, so every API
process on every machine sees the same files and backups include them.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storyline.db import Base, TimestampMixin


class AttachmentBlob(TimestampMixin, Base):
    """The bytes of a file, once per distinct content."""

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class Attachment(TimestampMixin, Base):
    """A file attached to a story (optionally to one of its comments)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"), nullable=True)
    # The file name as uploaded (no directory part).
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str | None] = mapped_column(String(255), nullable=True)
    content_type: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"), nullable=False)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)

    __table_args__ = (
        Index("ix_attachments_story", "story_id", "id"),
        Index("ix_attachments_sha256", "sha256"),
        Index("ix_attachments_comment", "comment_id"),
    )
