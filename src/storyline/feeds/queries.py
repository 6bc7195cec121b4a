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

from sqlalchemy import BindParameter, ColumnElement, Select, any_, bindparam, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.functions import FunctionElement

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


class unindexed(FunctionElement[Any]):  # noqa: N801 (an SQL construct, named like one)
    """`expr` as a term no index serves, on SQLite (`+expr`, its documented way); itself elsewhere.

    SQLite chooses indexes without statistics on the data: for a feed it took the events' type index
    (the feed's types are most events) or story index (every event of thousands of stories), reading
    them all and sorting, where walking the newest events stops at the 50th. PostgreSQL weighs the
    choice with its statistics, which such a disguise would only blur."""

    name = "unindexed"
    inherit_cache = True

    def __init__(self, expr: ColumnElement[Any] | QueryableAttribute[Any]) -> None:
        super().__init__(expr)
        self.type = expr.type


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: Any, **kw: Any) -> str:
    text: str = compiler.process(element.clauses, **kw)
    return text


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    text: str = compiler.process(element.clauses, **kw)
    return "+" + text


def _events(scope: ColumnElement[bool], authenticated: bool, *, walk: bool = False) -> Select[*tuple[Any, ...]]:
    """The newest FEED_ENTRIES events in `scope` whose story the reader may see.

    `walk`: read the events newest first and keep those in scope (not through the events' story index,
    which would read every event of every story in scope and sort them): for a scope of many stories,
    where the first FEED_ENTRIES are found early. Never through the events' type index (SQLite took it
    for a signed-in reader, reading every event and sorting them)."""
    story_id = unindexed(Event.story_id) if walk else Event.story_id
    event_type = unindexed(Event.event_type)
    return (select(*_COLUMNS).join(Story, Story.id == story_id)
            .where(scope, story_visible_bound(authenticated), event_type.in_(FEED_EVENT_TYPES),
                   Event.worklist_id.is_(None), Event.board_id.is_(None))
            .order_by(Event.id.desc()).limit(FEED_ENTRIES))


# A scope of at most this many stories reads their events through the events' story index (at most
# their events, sorted); a wider one walks the events newest first until FEED_ENTRIES are found.
FEW_STORIES = 500

_SCOPE_ID: BindParameter[int] = bindparam("scope_id")
# Built once per kind of reader (anonymous, authenticated), every value bound at run time.
_OF_STORY = {auth: _events(Event.story_id == _SCOPE_ID, auth) for auth in (False, True)}
# What the user did, on stories the reader may see (through the events' (author_id, id) index).
_OF_USER = {auth: _events(Event.author_id == _SCOPE_ID, auth) for auth in (False, True)}
_AMONG = {auth: _events(Event.story_id.in_(bindparam("story_ids", expanding=True)), auth)
          for auth in (False, True)}
# Stories with a task on the project, or on a project of the group, now.
_STORIES_OF = {
    "project": select(Task.story_id).where(Task.project_id == _SCOPE_ID).distinct(),
    "project_group": select(Task.story_id).where(Task.project_id.in_(
        select(ProjectGroupMember.project_id).where(ProjectGroupMember.project_group_id == _SCOPE_ID))).distinct(),
}


def story_events(session: Session, viewer: Viewer, story_id: int) -> list[FeedEvent]:
    return _run(session, viewer, _OF_STORY[viewer.authenticated], {"scope_id": story_id})


def user_events(session: Session, viewer: Viewer, user_id: int) -> list[FeedEvent]:
    return _run(session, viewer, _OF_USER[viewer.authenticated], {"scope_id": user_id})


def project_events(session: Session, viewer: Viewer, scope: str, scope_id: int) -> list[FeedEvent]:
    """The events of the stories of a project or project group (`scope` "project" or "project_group")."""
    stories = _STORIES_OF[scope]
    return _events_of_stories(session, viewer, Prepared(("feed", scope), lambda: stories, {"scope_id": scope_id}))


def search_events(session: Session, viewer: Viewer, stories: Prepared) -> list[FeedEvent]:
    """The events of the stories of a story search (`stories`: stories_list, perhaps narrowed to
    full-text matches; it applies the visibility rule itself, and so does the events' statement)."""
    return _events_of_stories(session, viewer, stories.narrowed("ids", lambda stmt: stmt.with_only_columns(Story.id)))


def _events_of_stories(session: Session, viewer: Viewer, story_ids: Prepared) -> list[FeedEvent]:
    """The feed's events of the stories `story_ids` selects (one column of ids): through the story
    index for a few stories (FEW_STORIES); for many, walking the newest events (_among_many)."""
    auth = viewer.authenticated
    few = story_ids.narrowed("few", lambda stmt: stmt.limit(FEW_STORIES + 1))
    ids = list(session.execute(few.statement(), few.values).scalars())
    if len(ids) <= FEW_STORIES:
        return _run(session, viewer, _AMONG[auth], {"story_ids": ids}) if ids else []
    many = story_ids.narrowed(("many", auth, session.get_bind().dialect.name), lambda stmt: _events(
        _among_many(session, stmt.correlate(None)), auth, walk=True))
    return _run(session, viewer, many.statement(), many.values)


def _among_many(session: Session, story_ids: Select[Any]) -> ColumnElement[bool]:
    """The events of many stories, for a walk (`story_ids` not correlated: its own tables are the inner
    query's, apart from the event's story). SQLite: `+story_id IN (...)`. PostgreSQL pulls an IN up into
    a join, joined the scope's stories before the events and compared each event with each of them
    (170 ms for 1,000 stories): there the ids are one array, computed once, and each event compared with
    it (`story_id + 0`: no index serves the test, so the events are walked newest first)."""
    if session.get_bind().dialect.name == "sqlite":
        return unindexed(Event.story_id).in_(story_ids)
    ids = select(func.array_agg(story_ids.subquery().c[0])).scalar_subquery()
    # An expression (not `ANY (SELECT ...)`, which compares with each row of the subquery).
    return (Event.story_id + 0) == any_(func.coalesce(ids, literal_column("'{}'::integer[]")))


def _run(session: Session, viewer: Viewer, stmt: Select[Any], values: dict[str, Any]) -> list[FeedEvent]:
    return _complete(session, session.execute(stmt, {**values, **viewer_values(viewer)}).all())


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
