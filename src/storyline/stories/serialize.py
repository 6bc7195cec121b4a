"""v1 JSON of stories, tasks, tags, comments and events, loaded in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, story_visible, story_visible_bound, viewer_values
from storyline.db import utcnow
from storyline.security.service import embargo_fields
from storyline.sqltools import ts, v1_ts
from storyline.stories.models import (
    TASK_STATUSES,
    Comment,
    CommentHistory,
    Event,
    Story,
    StoryTag,
    StoryTeam,
    StoryUser,
    Tag,
    Task,
)
from storyline.users.models import Team, User
from storyline.users.queries import team_json, user_json


def story_raw_json(s: Story, now: dt.datetime | None = None) -> dict[str, Any]:
    """The shape StoryBoard returns from POST: stored fields only (`now`: for the embargo reminder)."""
    return _story_fields(s, ts(s.created_at), ts(s.updated_at), now)


def _story_fields(s: Any, created_at: str | None, updated_at: str | None, now: dt.datetime | None) -> dict[str, Any]:
    # StoryBoard's key order: id and the timestamps last (python-storyboardclient depends on it).
    return {
        "title": s.title, "description": s.description, "is_bug": s.is_bug, "creator_id": s.creator_id,
        "story_type_id": s.story_type_id, "private": s.private, "security": s.security,
        **embargo_fields(s, now), **import_fields(s),
        "id": s.id, "created_at": created_at, "updated_at": updated_at,
    }


def import_fields(s: Any) -> dict[str, Any]:
    """Additive fields filled by the Launchpad import: the story this one duplicates and its CVE ids."""
    return {"duplicate_of": s.duplicate_of, "cves": json.loads(s.cves) if s.cves else []}


# Built once, the story ids bound at run time (an "expanding" IN list).
_TAGS_OF_STORIES = (select(StoryTag.story_id, Tag.name).join(Tag, Tag.id == StoryTag.tag_id)
                    .where(StoryTag.story_id.in_(bindparam("ids", expanding=True))).order_by(Tag.name))


# Every column of a story, the timestamps formatted by the database: many stories are read as rows
# with these (stories_by_ids) rather than as ORM objects.
STORY_ROW_COLUMNS = (
    *(c for c in Story.__table__.columns if c.key not in ("created_at", "updated_at")),
    v1_ts(Story.created_at).label("created_at_v1"), v1_ts(Story.updated_at).label("updated_at_v1"),
)


def stories_by_ids(session: Session, viewer: Viewer, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Full story shapes of the stories among `ids` the viewer may see, by id (read as rows)."""
    if not ids:
        return {}
    rows = session.connection().execute(_STORIES_BY_IDS[viewer.authenticated],
                                        {"ids": list(ids), **viewer_values(viewer)}).all()
    return {d["id"]: d for d in stories_json(session, viewer, rows)}


# stories_by_ids's statements, built once (anonymous, authenticated viewer).
_STORIES_BY_IDS = {
    authenticated: select(*STORY_ROW_COLUMNS).where(Story.id.in_(bindparam("ids", expanding=True)),
                                                    story_visible_bound(authenticated))
    for authenticated in (False, True)
}


def stories_json(session: Session, viewer: Viewer, stories: Sequence[Any]) -> list[dict[str, Any]]:
    """Full story shapes: three queries at most, whatever the number of stories or tasks.

    `stories` are Story objects, or rows of STORY_ROW_COLUMNS (stories_by_ids).
    """
    if not stories:
        return []
    ids = [s.id for s in stories]
    tags: dict[int, list[str]] = defaultdict(list)
    for sid, name in session.connection().execute(_TAGS_OF_STORIES, {"ids": ids}):
        tags[sid].append(name)
    users: dict[int, list[dict[str, Any]]] = defaultdict(list)
    teams: dict[int, list[dict[str, Any]]] = defaultdict(list)
    private_ids = [s.id for s in stories if s.private]
    if private_ids:
        for sid, u in session.execute(
            select(StoryUser.story_id, User).join(User, User.id == StoryUser.user_id)
            .where(StoryUser.story_id.in_(private_ids)).order_by(User.id)
        ):
            users[sid].append(user_json(u, viewer))
        for sid, t in session.execute(
            select(StoryTeam.story_id, Team).join(Team, Team.id == StoryTeam.team_id)
            .where(StoryTeam.story_id.in_(private_ids)).order_by(Team.id)
        ):
            teams[sid].append(team_json(t))
    # A duplicate mark names the other story only to those who may see it.
    duplicates = {s.duplicate_of for s in stories if s.duplicate_of is not None}
    if duplicates:
        duplicates = set(session.execute(select(Story.id).where(Story.id.in_(duplicates),
                                                                story_visible(viewer))).scalars())
    out = []
    now = utcnow()
    rows = not isinstance(stories[0], Story)
    for s in stories:
        out.append({
            "title": s.title, "description": s.description, "is_bug": s.is_bug, "creator_id": s.creator_id,
            "story_type_id": s.story_type_id, "status": s.status,
            "task_statuses": [{"key": k, "count": getattr(s, f"count_{k}")} for k in TASK_STATUSES],
            "tags": tags.get(s.id, []), "private": s.private, "security": s.security,
            **embargo_fields(s, now),
            "users": users.get(s.id, []), "teams": teams.get(s.id, []),
            "duplicate_of": s.duplicate_of if s.duplicate_of in duplicates else None,
            "cves": json.loads(s.cves) if s.cves else [],
            "id": s.id,
            "created_at": s.created_at_v1 if rows else ts(s.created_at),
            "updated_at": s.updated_at_v1 if rows else ts(s.updated_at),
        })
    return out


def story_json(session: Session, viewer: Viewer, story: Story) -> dict[str, Any]:
    return stories_json(session, viewer, [story])[0]


TASK_KEYS = ("title", "status", "creator_id", "story_id", "link", "project_id", "assignee_id", "branch_id",
             "milestone_id", "priority", "lp_status", "lp_importance", "lp_milestone", "id", "created_at",
             "updated_at")
# The same fields as plain columns, timestamps formatted by the database: lists of many tasks are
# built from these rows without creating ORM objects (task_rows_json).
TASK_COLUMNS = (Task.title, Task.status, Task.creator_id, Task.story_id, Task.link, Task.project_id,
                Task.assignee_id, Task.branch_id, Task.milestone_id, Task.priority,
                Task.lp_status, Task.lp_importance, Task.lp_milestone,
                Task.id, v1_ts(Task.created_at), v1_ts(Task.updated_at))
assert len(TASK_KEYS) == len(TASK_COLUMNS)


def task_json(t: Task) -> dict[str, Any]:
    return dict(zip(TASK_KEYS, (t.title, t.status, t.creator_id, t.story_id, t.link, t.project_id, t.assignee_id,
                                t.branch_id, t.milestone_id, t.priority, t.lp_status, t.lp_importance,
                                t.lp_milestone, t.id, ts(t.created_at), ts(t.updated_at)), strict=True))


def task_rows_json(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows selected with TASK_COLUMNS, in the shape of task_json."""
    keys = TASK_KEYS
    return [dict(zip(keys, row)) for row in rows]  # noqa: B905 (same length by construction, hot loop)


def comment_json(c: Comment) -> dict[str, Any]:
    """A deleted comment keeps its place in the timeline (is_active false), not its text."""
    return {"content": c.content if c.is_active else "", "is_active": c.is_active, "in_reply_to": c.in_reply_to,
            "id": c.id, "created_at": ts(c.created_at), "updated_at": ts(c.updated_at)}


def history_json(h: CommentHistory, comment: Comment) -> dict[str, Any]:
    """An earlier version of a comment, in the Comment shape (plus the comment it belongs to)."""
    return {"content": h.content, "is_active": True, "in_reply_to": comment.in_reply_to, "comment_id": comment.id,
            "id": h.id, "created_at": ts(h.created_at), "updated_at": None}


def tags_json(session: Session, viewer: Viewer, tags: Sequence[Tag]) -> list[dict[str, Any]]:
    """Tags with their popularity: the number of stories carrying them that the viewer can see."""
    if not tags:
        return []
    counts = dict(
        session.execute(
            select(StoryTag.tag_id, func.count())
            .join(Story, Story.id == StoryTag.story_id)
            .where(StoryTag.tag_id.in_([t.id for t in tags]), story_visible(viewer))
            .group_by(StoryTag.tag_id)
        ).all()
    )
    return [{"name": t.name, "popularity": counts.get(t.id, 0),
             "id": t.id, "created_at": ts(t.created_at), "updated_at": ts(t.updated_at)} for t in tags]


def events_json(session: Session, events: Sequence[Event], known: Sequence[Comment] = ()) -> list[dict[str, Any]]:
    """Events with their comments, and assignee names added to assignee changes (bounded queries).

    `known`: comments the caller holds (the one a write just posted), not read again."""
    comment_ids = [e.comment_id for e in events if e.comment_id is not None]
    comments: dict[int, Any] = {c.id: c for c in known}
    missing = [cid for cid in comment_ids if cid not in comments]
    if missing:
        comments.update((c.id, c) for c in session.execute(
            select(Comment).where(Comment.id.in_(missing))).scalars())
    infos: dict[int, Any] = {}
    user_ids: set[int] = set()
    for e in events:
        if e.event_type == "task_assignee_changed" and e.event_info:
            info = json.loads(e.event_info)
            infos[e.id] = info
            user_ids.update(i for i in (info.get("old_assignee_id"), info.get("new_assignee_id"))
                            if isinstance(i, int))
    names: dict[int, str] = {}
    if user_ids:
        names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
    out = []
    for e in events:
        info_text = e.event_info
        if e.id in infos:
            info = infos[e.id]
            info["old_assignee_fullname"] = names.get(info.get("old_assignee_id"), "unassigned")
            info["new_assignee_fullname"] = names.get(info.get("new_assignee_id"), "unassigned")
            info_text = json.dumps(info)
        d: dict[str, Any] = {
            "event_type": e.event_type, "event_info": info_text, "story_id": e.story_id,
            "worklist_id": e.worklist_id, "board_id": e.board_id, "author_id": e.author_id,
            "comment_id": e.comment_id,
        }
        if e.comment_id is not None and e.comment_id in comments:
            d["comment"] = comment_json(comments[e.comment_id])
        # StoryBoard's key order: id and the timestamps last (python-storyboardclient depends on it).
        d["id"] = e.id
        d["created_at"] = ts(e.created_at)
        d["updated_at"] = ts(e.updated_at)
        out.append(d)
    return out
