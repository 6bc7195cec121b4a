"""Writes on attachments: add (from an upload or an importer) and delete, each with its timeline event.

`add_attachment` is the one way a file gets attached to a story; it does not check who may see the
story (the API does that first, with authz.get_story; an importer acts as the system). Services
flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from storyline.attachments.models import Attachment, AttachmentBlob
from storyline.authz import Viewer, require_user
from storyline.db import insert_missing, utcnow
from storyline.errors import Forbidden, NotFound, ValidationFailed
from storyline.stories.models import Comment, Story
from storyline.timeline import emit
from storyline.users.models import User

MAX_NAME = 255
MAX_TITLE = 255
# type/subtype with optional parameters (RFC 9110 tokens), e.g. "text/x-diff; charset=utf-8".
_TOKEN = r"[A-Za-z0-9!#$&^_.+-]+"
CONTENT_TYPE = re.compile(rf"^{_TOKEN}/{_TOKEN}(\s*;\s*{_TOKEN}=(\"[^\"\\\x00-\x1f]*\"|{_TOKEN}))*$")
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def clean_name(name: str) -> str:
    """The file name without any directory part, control characters refused; 400 naming `name`."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    if not base or base in (".", ".."):
        raise ValidationFailed("name", "A file name is required")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in base):
        raise ValidationFailed("name", "The file name must not contain control characters")
    if len(base) > MAX_NAME:
        raise ValidationFailed("name", f"The file name is longer than {MAX_NAME} characters")
    return base


def clean_content_type(content_type: str | None) -> str:
    value = (content_type or "").strip() or DEFAULT_CONTENT_TYPE
    if len(value) > 255 or not CONTENT_TYPE.match(value):
        raise ValidationFailed("content_type", "The content type must look like type/subtype")
    return value.lower() if ";" not in value else value


def clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    title = title.strip()
    if "\x00" in title:
        raise ValidationFailed("title", "The title must not contain NUL characters")
    if len(title) > MAX_TITLE:
        raise ValidationFailed("title", f"The title is longer than {MAX_TITLE} characters")
    return title or None


def add_attachment(session: Session, story_id: int, *, name: str, content_type: str, data: bytes,
                   creator_id: int, title: str | None = None, created_at: dt.datetime | None = None,
                   comment_id: int | None = None) -> Attachment:
    """Attach `data` to the story as `name`, by `creator_id`; an `attachment_added` event on its timeline.

    The content is stored once per distinct SHA-256 (a second upload of the same file reuses the
    blob). `created_at` (naive UTC, or aware) keeps an imported file's original time; `comment_id`
    must be a comment of the same story. Raises ValidationFailed (naming the field) or NotFound
    (the story).
    """
    name = clean_name(name)
    content_type = clean_content_type(content_type)
    title = clean_title(title)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValidationFailed("file", "The content must be bytes")
    data = bytes(data)
    story = session.get(Story, story_id)
    if story is None:
        raise NotFound(f"Story {story_id} not found")
    if session.get(User, creator_id) is None:
        raise ValidationFailed("creator_id", f"User {creator_id} does not exist")
    if comment_id is not None:
        found = session.execute(select(Comment.id).where(
            Comment.id == comment_id, Comment.story_id == story_id)).first()
        if found is None:
            raise ValidationFailed("comment_id", f"Comment {comment_id} is not a comment of this story")
    when = _naive_utc(created_at) if created_at is not None else utcnow()
    digest = hashlib.sha256(data).hexdigest()
    # Two uploads of the same new file at once: the second waits for the first and reuses its blob.
    insert_missing(session, AttachmentBlob.__table__,
                   [{"sha256": digest, "size": len(data), "data": data, "created_at": when}], ["sha256"])
    attachment = Attachment(story_id=story_id, comment_id=comment_id, name=name, title=title,
                            content_type=content_type, size=len(data), sha256=digest, creator_id=creator_id,
                            created_at=when)
    session.add(attachment)
    session.flush()
    if created_at is None:  # a live upload changes the story (an import keeps the story's own time)
        story.updated_at = when
    event = emit(session, "attachment_added", author_id=creator_id, story_id=story_id, story=story,
                 info=event_info(attachment))
    if created_at is not None:
        event.created_at = when
    return attachment


def event_info(a: Attachment) -> dict[str, object]:
    return {"attachment_id": a.id, "name": a.name, "title": a.title, "content_type": a.content_type,
            "size": a.size, "comment_id": a.comment_id}


def get_attachment(session: Session, story: Story, attachment_id: int) -> Attachment:
    """An attachment of `story` (already checked visible); 404 when it belongs elsewhere or is gone."""
    attachment = session.execute(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.story_id == story.id)).scalar_one_or_none()
    if attachment is None:
        raise NotFound(f"Attachment {attachment_id} not found")
    return attachment


def do_delete_attachment(session: Session, viewer: Viewer, attachment: Attachment) -> None:
    """Delete an attachment: its uploader or a superuser (who can see the story). Its content goes
    too when no other attachment has the same file."""
    uid = require_user(viewer)
    if attachment.creator_id != uid and not viewer.is_superuser:
        raise Forbidden("Only the uploader or a superuser may delete an attachment")
    info = event_info(attachment)
    story_id, digest = attachment.story_id, attachment.sha256
    session.delete(attachment)
    session.flush()
    story = session.get(Story, story_id)
    if story is not None:
        story.updated_at = utcnow()
    emit(session, "attachment_removed", author_id=uid, story_id=story_id, info=info)
    delete_unused_blobs(session, [digest])


def delete_unused_blobs(session: Session, digests: list[str] | None = None) -> int:
    """Delete the blobs no attachment refers to (those of `digests`, or all); the number deleted.

    A story's deletion removes its attachment rows (ON DELETE CASCADE); the worker calls this
    without `digests` so that the content of a deleted private story does not linger."""
    unused = ~exists().where(Attachment.sha256 == AttachmentBlob.sha256)
    stmt = delete(AttachmentBlob).where(unused)
    if digests is not None:
        if not digests:
            return 0
        stmt = stmt.where(AttachmentBlob.sha256.in_(digests))
    result = session.execute(stmt.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)
