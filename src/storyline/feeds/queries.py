"""The events of a feed: the newest story events of its scope on stories the reader may see, and what
their entries show (names, comments, descriptions), in a fixed number of queries.

Every statement joins the event's story and applies the one visibility rule
(`authz.story_visible_bound`, the reader's id a bound parameter): an event of a story the reader cannot
see is not read at all, so it is no entry, no title, no date and no part of the feed's `updated` or
ETag. A feed is at most FEED_ENTRIES entries: its cost does not grow with the history it covers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, story_visible_bound, viewer_values
from storyline.projects.models import ProjectGroupMember
from storyline.sqltools import Prepared
from storyline.stories.models import Comment, Event, Story, Task
from storyline.timeline import ATTACHMENT_EVENT_TYPES, SECURITY_EVENT_TYPES, STORY_EVENT_TYPES
from storyline.users.models import User

# Entries per feed (the newest events).
FEED_ENTRIES = 50
# The events a feed shows: everything that happens to a story (not worklist or board events).
FEED_EVENT_TYPES = STORY_EVENT_TYPES + SECURITY_EVENT_TYPES + ATTACHMENT_EVENT_TYPES


@dataclass
class FeedEvent:
    """One event of a feed with what its entry shows."""

    id: int
    event_type: str
    info: dict[str, Any]
    story_id: int
    story_title: str
    author_id: int | None
    created_at: dt.datetime
    comment_id: int | None
    author_name: str | None = None
    # A comment's current text (None: deleted) and when it last changed; a new story's description.
    text: str | None = None
    text_updated_at: dt.datetime | None = None
    names: dict[int, str] = field(default_factory=dict)  # users named by the event (assignees)

    @property
    def updated(self) -> dt.datetime:
        return max(self.created_at, self.text_updated_at or self.created_at)


_COLUMNS = (Event.id, Event.event_type, Event.event_info, Event.story_id, Story.title, Event.author_id,
            Event.created_at, Event.comment_id)


def _events(scope: ColumnElement[bool], authenticated: bool) -> Select[*tuple[Any, ...]]:
    """The newest FEED_ENTRIES events in `scope` whose story the reader may see."""
    return (select(*_COLUMNS).join(Story, Story.id == Event.story_id)
            .where(scope, story_visible_bound(authenticated), Event.event_type.in_(FEED_EVENT_TYPES),
                   Event.worklist_id.is_(None), Event.board_id.is_(None))
            .order_by(Event.id.desc()).limit(FEED_ENTRIES))


_SCOPE_ID: BindParameter[int] = bindparam("scope_id")
_STORIES_OF_PROJECT = select(Task.story_id).where(Task.project_id == _SCOPE_ID)
_STORIES_OF_GROUP = select(Task.story_id).where(Task.project_id.in_(
    select(ProjectGroupMember.project_id).where(ProjectGroupMember.project_group_id == _SCOPE_ID)))
SCOPES: dict[str, ColumnElement[bool]] = {
    "story": Event.story_id == _SCOPE_ID,
    # Stories with a task on the project, or on a project of the group, now.
    "project": Event.story_id.in_(_STORIES_OF_PROJECT),
    "project_group": Event.story_id.in_(_STORIES_OF_GROUP),
    # What the user did, on stories the reader may see.
    "user": Event.author_id == _SCOPE_ID,
}
# Built once per scope and kind of reader (anonymous, authenticated), every value bound at run time.
_STATEMENTS = {(scope, authenticated): _events(cond, authenticated)
               for scope, cond in SCOPES.items() for authenticated in (False, True)}


def scope_events(session: Session, viewer: Viewer, scope: str, scope_id: int) -> list[FeedEvent]:
    """The feed's events of a story, project, project group or user (`scope`, a key of SCOPES)."""
    rows = session.execute(_STATEMENTS[scope, viewer.authenticated],
                           {"scope_id": scope_id, **viewer_values(viewer)}).all()
    return _complete(session, rows)


def search_events(session: Session, viewer: Viewer, stories: Prepared) -> list[FeedEvent]:
    """The feed's events of the stories of a story search (`stories`: stories_list, perhaps narrowed to
    full-text matches; it applies the visibility rule itself, and so does the events' statement)."""
    authenticated = viewer.authenticated
    prepared = stories.narrowed(("feed", authenticated), lambda stmt: _events(
        # Not correlated: the search's own `stories` is the inner query's, apart from the event's story.
        Event.story_id.in_(stmt.with_only_columns(Story.id).correlate(None)), authenticated))
    return _complete(session, session.execute(prepared.statement(), prepared.values).all())


def _complete(session: Session, rows: Sequence[Any]) -> list[FeedEvent]:
    """FeedEvents of the rows, with the names, comments and descriptions their entries show (three
    queries at most, whatever the number of entries)."""
    events = [FeedEvent(id=r[0], event_type=r[1], info=_info(r[2]), story_id=r[3], story_title=r[4],
                        author_id=r[5], created_at=r[6], comment_id=r[7]) for r in rows]
    user_ids = {e.author_id for e in events if e.author_id is not None}
    for e in events:
        if e.event_type == "task_assignee_changed":
            user_ids.update(i for i in (e.info.get("old_assignee_id"), e.info.get("new_assignee_id"))
                            if isinstance(i, int))
    names: dict[int, str] = {}
    if user_ids:
        names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
    comment_ids = [e.comment_id for e in events if e.comment_id is not None]
    comments: dict[int, tuple[str, bool, dt.datetime | None]] = {}
    if comment_ids:
        comments = {cid: (content, active, updated) for cid, content, active, updated in session.execute(
            select(Comment.id, Comment.content, Comment.is_active, Comment.updated_at)
            .where(Comment.id.in_(comment_ids)))}
    created = [e.story_id for e in events if e.event_type == "story_created"]
    descriptions: dict[int, str | None] = {}
    if created:
        descriptions = dict(session.execute(
            select(Story.id, Story.description).where(Story.id.in_(created))).all())
    for e in events:
        e.author_name = names.get(e.author_id) if e.author_id is not None else None
        e.names = names
        if e.comment_id is not None and e.comment_id in comments:
            content, active, updated = comments[e.comment_id]
            e.text, e.text_updated_at = (content if active else None), updated
        elif e.event_type == "story_created":
            e.text = descriptions.get(e.story_id)
    return events


def _info(raw: str | None) -> dict[str, Any]:
    try:
        info = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}
