"""Timeline events of worklists (and the project check shared by worklist and board writes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storyline.errors import ValidationFailed
from storyline.projects.models import Project
from storyline.timeline import emit


def check_project(session: Session, project_id: int | None) -> None:
    if project_id is not None and session.get(Project, project_id) is None:
        raise ValidationFailed("project_id", f"Project {project_id} not found")


def emit_worklist(session: Session, event_type: str, worklist_id: int, author_id: int, info: dict[str, Any],
                  story_id: int | None = None) -> None:
    emit(session, event_type, author_id=author_id, worklist_id=worklist_id, story_id=story_id,
         info={"worklist_id": worklist_id, **info})
