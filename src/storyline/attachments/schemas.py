"""Documented shapes of attachments (OpenAPI); responses are built as plain dicts (queries.attachment_json)."""

from __future__ import annotations

from storyline.schemas import Resource


class AttachmentOut(Resource):
    story_id: int
    comment_id: int | None
    name: str
    title: str | None
    content_type: str
    size: int
    sha256: str
    creator_id: int
    link: str
