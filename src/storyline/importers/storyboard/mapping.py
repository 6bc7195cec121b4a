"""One StoryBoard row (its database's columns) as the Storyline row it becomes.

StoryBoard's columns are mostly nullable where Storyline's are not: a missing value takes StoryBoard's
own default (what its API shows for it), and a missing name or address a placeholder that says so.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from storyline.db import utcnow
from storyline.security.service import information_type

PLACEHOLDER_DOMAIN = "storyboard.invalid"


def when(value: Any) -> dt.datetime | None:
    """A naive UTC datetime, whole seconds, from a database value or an ISO-8601 string."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, dt.datetime):
        raise ValueError(f"not a date and time: {value!r}")
    moment: dt.datetime = value
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def flag(value: Any, default: bool) -> bool:
    return default if value is None else bool(value)


def _times(row: dict[str, Any]) -> dict[str, Any]:
    return {"created_at": when(row.get("created_at")) or utcnow(), "updated_at": when(row.get("updated_at"))}


def user(row: dict[str, Any]) -> dict[str, Any]:
    email = (row.get("email") or "").strip() or f"storyboard-user-{row['id']}@{PLACEHOLDER_DOMAIN}"
    name = (row.get("full_name") or "").strip() or email.split("@")[0]
    return {"id": row["id"], "full_name": name[:255], "email": email[:255], "openid": row.get("openid") or None,
            "is_superuser": flag(row.get("is_superuser"), False), "enable_login": flag(row.get("enable_login"), True),
            "last_login": when(row.get("last_login")), **_times(row)}


def preference(row: dict[str, Any]) -> dict[str, Any]:
    """StoryBoard keeps a preference as text and a type; Storyline as JSON (what GET answers)."""
    raw, kind = row.get("value"), row.get("type") or "string"
    value: Any = raw
    if not isinstance(raw, str):
        value = raw
    elif kind == "bool":
        value = raw == "True"
    elif kind in ("int", "float"):
        try:
            value = int(raw) if kind == "int" else float(raw)
        except ValueError:
            value = raw
    return {"user_id": row["user_id"], "key": row["key"], "value": json.dumps(value)}


def team(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "description": None, "security": flag(row.get("security"), False),
            **_times(row)}


def project(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "description": row.get("description"),
            "is_active": flag(row.get("is_active"), True), "repo_url": row.get("repo_url"),
            "autocreate_branches": flag(row.get("autocreate_branches"), False), **_times(row)}


def group(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "title": row.get("title") or row["name"], **_times(row)}


def branch(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "project_id": row.get("project_id"),
            "expired": flag(row.get("expired"), False), "expiration_date": when(row.get("expiration_date")),
            "autocreated": flag(row.get("autocreated"), False), "restricted": flag(row.get("restricted"), False),
            **_times(row)}


def milestone(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "branch_id": row.get("branch_id"),
            "expired": flag(row.get("expired"), False), "expiration_date": when(row.get("expiration_date")),
            **_times(row)}


def story(row: dict[str, Any]) -> dict[str, Any]:
    private, security = flag(row.get("private"), False), flag(row.get("security"), False)
    return {"id": row["id"], "title": (row.get("title") or "(no title)")[:255], "description": row.get("description"),
            "is_bug": flag(row.get("is_bug"), True), "creator_id": row.get("creator_id"),
            "story_type_id": row.get("story_type_id") or 1, "private": private, "security": security,
            "information_type": information_type(private, security), **_times(row)}


def tag(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], **_times(row)}


def task(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "title": (row.get("title") or "")[:255], "status": row.get("status") or "todo",
            "creator_id": row.get("creator_id"), "story_id": row.get("story_id"), "project_id": row.get("project_id"),
            "branch_id": row.get("branch_id"), "milestone_id": row.get("milestone_id"),
            "assignee_id": row.get("assignee_id"), "link": row.get("link"), "priority": row.get("priority") or "medium",
            **_times(row)}


def comment(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "content": row.get("content") or "", "is_active": flag(row.get("is_active"), True),
            "in_reply_to": row.get("in_reply_to"), "story_id": row.get("story_id"), "author_id": row.get("author_id"),
            **_times(row)}


def comment_version(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "comment_id": row["comment_id"], "content": row.get("content") or "", **_times(row)}


def due_date(row: dict[str, Any]) -> dict[str, Any]:
    times = _times(row)
    return {"id": row["id"], "name": (row.get("name") or "")[:100], "date": when(row.get("date")) or times["created_at"],
            "private": flag(row.get("private"), False), "creator_id": row.get("creator_id"), **times}


def worklist(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "title": (row.get("title") or "")[:100], "creator_id": row.get("creator_id"),
            "project_id": row.get("project_id"), "private": flag(row.get("private"), False),
            "archived": flag(row.get("archived"), False), "automatic": flag(row.get("automatic"), False), **_times(row)}


def worklist_filter(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "list_id": row.get("list_id"), "type": row.get("type") or "Story", **_times(row)}


def criterion(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "filter_id": row.get("filter_id"), "title": row.get("title"), "field": row["field"],
            "value": row.get("value") or "", "negative": flag(row.get("negative"), False), **_times(row)}


def board(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "title": (row.get("title") or "")[:100], "description": row.get("description"),
            "creator_id": row.get("creator_id"), "project_id": row.get("project_id"),
            "private": flag(row.get("private"), False), "archived": flag(row.get("archived"), False), **_times(row)}


def lane(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "board_id": row.get("board_id"), "list_id": row.get("list_id"),
            "position": row.get("position") or 0, **_times(row)}


def item(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "list_id": row.get("list_id"), "item_id": row["item_id"], "item_type": row["item_type"],
            "list_position": row.get("list_position") or 0, "archived": flag(row.get("archived"), False),
            "display_due_date": row.get("display_due_date"), **_times(row)}


def event(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "event_type": row["event_type"], "event_info": row.get("event_info"),
            "story_id": row.get("story_id"), "worklist_id": row.get("worklist_id"), "board_id": row.get("board_id"),
            "author_id": row.get("author_id"), "comment_id": row.get("comment_id"), **_times(row)}


def subscription(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "user_id": row.get("user_id"), "target_type": row["target_type"],
            "target_id": row["target_id"], **_times(row)}


def same(row: dict[str, Any]) -> dict[str, Any]:
    return dict(row)


MAPPERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "users": user, "preferences": preference, "teams": team, "projects": project, "project groups": group,
    "branches": branch, "milestones": milestone, "stories": story, "tags": tag, "tasks": task, "comments": comment,
    "comment versions": comment_version, "due dates": due_date, "worklists": worklist, "worklist filters": worklist_filter,
    "filter criteria": criterion, "boards": board, "board lanes": lane, "worklist items": item, "events": event,
    "subscriptions": subscription,
}


def to_storyline(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    return MAPPERS.get(kind, same)(row)


__all__ = ["PLACEHOLDER_DOMAIN", "flag", "to_storyline", "when"]
