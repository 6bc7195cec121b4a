"""The words of a feed's entries and the Atom document (RFC 4287) that carries them.

A feed's `id` is its own address without the reader's token (a search feed's, a digest of it: the
document never repeats the words searched for), an entry's `id` the API address of its event
(`/v1/events/{id}`): both permanent. Each entry links (rel="alternate") to the story's page in
the web client, a comment's entry to the comment on it. Comments and a new story's description are
rendered markdown, sanitized (storyline/markup.py), carried as `type="html"` content.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from storyline import __version__
from storyline.feeds.queries import FeedEvent
from storyline.markup import render_markdown
from storyline.notifications.sentences import event_sentence

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
EPOCH = dt.datetime(1970, 1, 1)
# Characters XML 1.0 cannot carry (control characters other than tab and line ends, lone surrogates):
# stored text may hold them, a feed must not.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Feed:
    """What a feed is about: its permanent `id`, a title, the web page it follows (`alternate`), its
    own address without the reader's token (`self`, when it may be shown), and the time it stands at
    when it has no entry (`since`)."""

    id: str
    title: str
    alternate: str
    self: str | None = None
    subtitle: str | None = None
    since: dt.datetime | None = None


def rfc3339(value: dt.datetime) -> str:
    """A stored (naive UTC) time as Atom writes it."""
    return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def updated(feed: Feed, events: Sequence[FeedEvent]) -> dt.datetime:
    """The feed's `updated`: its newest entry's; without entries, `since` (the epoch for a search)."""
    return max((e.updated for e in events), default=feed.since or EPOCH)


# ---- what an entry says ------------------------------------------------------------------------------

def summary(e: FeedEvent) -> str:
    """One line saying what happened (the entry's title, before the story's)."""
    return event_sentence(e.event_type, e.info, e.author_name or "Storyline", e.names,
                          comment_deleted=e.event_type == "user_comment" and e.text is None)


def title(e: FeedEvent) -> str:
    return f"{summary(e)} · #{e.story_id} {e.story_title}"


def content_html(e: FeedEvent) -> str:
    """The entry's content: a comment or a new story's description rendered, else the summary."""
    if e.event_type == "user_comment":
        if e.text is None:
            return "<p><em>This comment was deleted.</em></p>"
        return render_markdown(e.text)
    line = f"<p>{html.escape(summary(e))}</p>"
    if e.event_type == "story_created" and e.text:
        return line + render_markdown(e.text)
    return line


# ---- the document --------------------------------------------------------------------------------------

def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        child.text = _text(text)
    return child


def story_page(base_url: str, story_id: int) -> str:
    return f"{base_url}/story/{story_id}"


def document(feed: Feed, events: Sequence[FeedEvent], base_url: str) -> bytes:
    """The Atom document of `feed` with one entry per event (newest first), UTF-8."""
    root = ET.Element("feed", {"xmlns": ATOM_NS})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title, type="text")
    if feed.subtitle:
        _add(root, "subtitle", feed.subtitle, type="text")
    _add(root, "updated", rfc3339(updated(feed, events)))
    if feed.self is not None:
        _add(root, "link", rel="self", type="application/atom+xml", href=feed.self)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate)
    # The feed's own author: entries of system events (a scheduled disclosure) have none of their own.
    author = _add(root, "author")
    _add(author, "name", "Storyline")
    _add(root, "generator", "Storyline", uri=f"{base_url}/", version=__version__)
    for e in events:
        entry = _add(root, "entry")
        _add(entry, "id", f"{base_url}/v1/events/{e.id}")
        _add(entry, "title", title(e), type="text")
        _add(entry, "published", rfc3339(e.created_at))
        _add(entry, "updated", rfc3339(e.updated))
        if e.author_id is not None:
            who = _add(entry, "author")
            _add(who, "name", e.author_name or f"user {e.author_id}")
            _add(who, "uri", f"{base_url}/user/{e.author_id}")
        page = story_page(base_url, e.story_id)
        if e.event_type == "user_comment" and e.comment_id is not None:
            page += f"#comment-{e.comment_id}"
        _add(entry, "link", rel="alternate", type="text/html", href=page)
        _add(entry, "category", term=e.event_type, label=e.event_type.replace("_", " "))
        _add(entry, "content", content_html(e), type="html")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data
