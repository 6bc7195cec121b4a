"""Reads of attachments: lists and shapes (JSON), content, and how a download is served safely."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.attachments.models import Attachment, AttachmentBlob

# Served inline (shown by the browser): raster images and plain text. Everything else, above all
# HTML, SVG and XML (script), is a download (Content-Disposition: attachment).
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "text/plain"})
# Types that run script when a browser renders them: never sent as such, even as a download.
ACTIVE_TYPES = ("text/html", "application/xhtml", "image/svg", "text/xml", "application/xml",
                "text/javascript", "application/javascript", "application/ecmascript", "text/ecmascript",
                "multipart/", "application/pdf")


def download_path(story_id: int, attachment_id: int) -> str:
    return f"/api/v1/stories/{story_id}/attachments/{attachment_id}/download"


def attachment_json(a: Attachment, base_url: str) -> dict[str, Any]:
    """The v1 shape; `link` is the download URL on this server (`base_url`: scheme://host/)."""
    return {"id": a.id, "story_id": a.story_id, "comment_id": a.comment_id, "name": a.name, "title": a.title,
            "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "creator_id": a.creator_id,
            "link": base_url.rstrip("/") + download_path(a.story_id, a.id),
            "created_at": _ts(a), "updated_at": None}


def _ts(a: Attachment) -> str:
    return a.created_at.replace(microsecond=0).isoformat() + "+00:00"


def list_attachments(session: Session, story_id: int) -> list[Attachment]:
    return list(session.execute(select(Attachment).where(Attachment.story_id == story_id)
                                .order_by(Attachment.id)).scalars())


def content(session: Session, a: Attachment) -> bytes:
    data = session.execute(select(AttachmentBlob.data).where(AttachmentBlob.sha256 == a.sha256)).scalar_one()
    return bytes(data)


def served_type(content_type: str) -> tuple[str, bool]:
    """(Content-Type to send, whether inline) for a stored content type."""
    base = content_type.split(";", 1)[0].strip().lower()
    if base in INLINE_TYPES:
        return ("text/plain; charset=utf-8" if base == "text/plain" else base), True
    if base.startswith(ACTIVE_TYPES) or base.endswith(("+xml", "/xml")):
        return "application/octet-stream", False
    return content_type, False


def download_headers(a: Attachment) -> dict[str, str]:
    """Headers of a download: never rendered as a page of this site (no sniffing, no script, a file
    save unless it is an image or plain text)."""
    media_type, inline = served_type(a.content_type)
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in a.name)
    disposition = (f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; "
                   f"filename*=UTF-8''{quote(a.name, safe='')}")
    return {
        "content-type": media_type,
        "content-disposition": disposition,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        "cross-origin-resource-policy": "same-origin",
        "etag": f'"{a.sha256}"',
    }
