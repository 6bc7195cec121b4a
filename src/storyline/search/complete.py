"""Completion of the query language at a position: qualifier names, then each qualifier's values (fixed
sets, and projects, groups, tags, people, branches and milestones by prefix). Only what the caller may
see: a tag carried only by private stories the caller cannot see is never offered (authz.tag_visible)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storyline.authz import Viewer, tag_visible
from storyline.projects.models import Branch, Milestone, Project, ProjectGroup
from storyline.search.query import IS_VALUES, QUALIFIERS, SORT_FIELDS, STATUS_VALUES, YES_NO
from storyline.stories.models import Tag
from storyline.users.models import User

LIMIT = 10
HELP = {
    "is": "open, closed, active, merged or invalid", "status": "active, merged or invalid",
    "project": "a project's name or id", "group": "a project group's name or id", "tag": "a tag",
    "assignee": "@me, a full name or an id", "creator": "@me, a full name or an id", "subscriber": "@me",
    "branch": "a branch's name", "milestone": "a milestone's name", "private": "yes or no",
    "security": "yes or no", "updated": ">2026-01-01, <=2026-01-31, 2026-01-01..2026-01-31",
    "created": ">2026-01-01, <=2026-01-31, 2026-01-01..2026-01-31", "sort": "updated-desc, id-asc, title-asc…",
}
_SORTS = [f"{f}-{d}" for f in SORT_FIELDS for d in ("desc", "asc")]


def _prefix(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _quote(value: str) -> str:
    return f'"{value}"' if re.search(r'[\s(),"]', value) else value


def _named(session: Session, column: Any, typed: str, *where: Any) -> list[str]:
    stmt = (select(column).where(func.lower(column).like(_prefix(typed), escape="\\"), *where)
            .group_by(column).order_by(column).limit(LIMIT))
    return [str(v) for v in session.execute(stmt).scalars()]


def values(session: Session, viewer: Viewer, key: str, typed: str) -> list[str]:
    """The values of `key` that start with `typed` (case-insensitive), those the caller may see."""
    low = typed.lower()
    fixed: list[str] | None = {"is": list(IS_VALUES), "status": list(STATUS_VALUES), "private": list(YES_NO),
                               "security": list(YES_NO), "sort": _SORTS}.get(key)
    if fixed is not None:
        return [v for v in fixed if v.startswith(low)]
    if key == "project":
        return _named(session, Project.name, typed)
    if key == "group":
        return _named(session, ProjectGroup.name, typed)
    if key == "tag":
        return _named(session, Tag.name, typed, tag_visible(viewer, Tag.id))
    if key == "branch":
        return _named(session, Branch.name, typed)
    if key == "milestone":
        return _named(session, Milestone.name, typed)
    if key in ("assignee", "creator", "subscriber"):
        me = ["@me"] if viewer.user_id is not None and "@me".startswith(low or "@") else []
        if key == "subscriber" and not viewer.is_superuser:
            return me
        return me + _named(session, User.full_name, typed.removeprefix("@"), User.enable_login.is_(True))[:LIMIT]
    return []


def complete(session: Session, viewer: Viewer, q: str, position: int) -> dict[str, Any]:
    """What may be typed at `position` of `q`: the word being typed there (start..position) and the offers,
    each with the text that replaces it."""
    position = max(0, min(position, len(q)))
    start = position
    while start > 0 and not q[start - 1].isspace() and q[start - 1] not in "()":
        start -= 1
    while start < position and q[start] == "-":
        start += 1
    word = q[start:position]
    m = re.match(r"([A-Za-z]+):", word)
    if m is None:
        low = word.lower()
        items = [{"value": f"{k}:", "insert": f"{k}:", "help": HELP[k]} for k in QUALIFIERS if k.startswith(low)]
        return {"start": start, "end": position, "kind": "qualifier", "qualifier": None,
                "items": [] if word.startswith(('"', "#")) else items}
    key = m.group(1).lower()
    if key not in QUALIFIERS:
        return {"start": start, "end": position, "kind": "value", "qualifier": key, "items": []}
    typed = word[len(m.group(0)):]
    head = f"{key}:"
    if typed.startswith('"'):
        typed = typed[1:]
    elif "," in typed and key not in ("sort", "updated", "created", "private", "security"):
        before, _, typed = typed.rpartition(",")
        head += before + ","
    found = values(session, viewer, key, typed)
    return {"start": start, "end": position, "kind": "value", "qualifier": key,
            "items": [{"value": v, "insert": head + _quote(v), "help": None} for v in found]}
