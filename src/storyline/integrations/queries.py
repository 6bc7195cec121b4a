"""Reads of linked changes (the story and task pages); callers check the story's visibility first."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.integrations.models import ChangeLink, IntegrationSource, ReviewChange
from storyline.sqltools import ts

_COLUMNS = (ChangeLink.id, ChangeLink.story_id, ChangeLink.task_id, ChangeLink.relation, IntegrationSource.name,
            IntegrationSource.kind, ReviewChange.repository, ReviewChange.number, ReviewChange.key, ReviewChange.title,
            ReviewChange.url, ReviewChange.branch, ReviewChange.state, ReviewChange.wip, ReviewChange.patchset,
            ReviewChange.owner_name, ReviewChange.owner_username, ReviewChange.votes, ReviewChange.ci,
            ReviewChange.updated_at)
_KEYS = ("id", "story_id", "task_id", "relation", "source", "kind", "repository", "number", "key", "title", "url",
         "branch", "state", "wip", "patchset", "owner_name", "owner_username", "votes", "ci", "updated_at")


def linked_changes(session: Session, *, story_id: int, task_id: int | None = None) -> list[dict[str, Any]]:
    """The changes linked to a story (or to one of its tasks), most recently updated first."""
    stmt = (select(*_COLUMNS).join(ReviewChange, ReviewChange.id == ChangeLink.change_id)
            .join(IntegrationSource, IntegrationSource.id == ReviewChange.source_id)
            .where(ChangeLink.story_id == story_id))
    if task_id is not None:
        stmt = stmt.where(ChangeLink.task_id == task_id)
    out = []
    for row in session.execute(stmt.order_by(ReviewChange.updated_at.desc(), ChangeLink.id.desc())):
        item = dict(zip(_KEYS, row, strict=True))
        item["votes"] = json.loads(item["votes"]) if item["votes"] else {}
        item["updated_at"] = ts(item["updated_at"])
        out.append(item)
    return out


__all__ = ["linked_changes"]
